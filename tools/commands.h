// Subcommands of the `seqrt` tool. Each returns the process exit status:
// 0 success, 1 model/input error (one line on stderr), 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace seqrt::tools {

using Args = std::vector<std::string>;  // arguments after the subcommand name

int RunTestCommand(const Args& args);
int RunInfoCommand(const Args& args);
int RunRunCommand(const Args& args);
int RunPerfCommand(const Args& args);
int RunProfileCommand(const Args& args);
int RunTrainCommand(const Args& args);

}  // namespace seqrt::tools
