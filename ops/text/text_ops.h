// The text-features family (ops/text/): operators that turn token-id sequences into numeric
// features. (String tensors are outside seqrt: only integer token ids are accepted.)
// RegisterTextOps (register_text.cc) is the family's one registry line.
//   tfidf_vectorizer.cc: TfIdfVectorizer
#pragma once

#include "ops/registry.h"

namespace seqrt::ops::text {

void RegisterTfIdfVectorizerOp(OpRegistry& registry);

}  // namespace seqrt::ops::text
