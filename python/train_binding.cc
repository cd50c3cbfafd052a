// seqrt.train: the built-in trainer (seqrt/train.h) from Python, with the GIL released while
// it trains and an optional per-epoch callback.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "python/convert.h"
#include "seqrt/train.h"

namespace seqrt::python {
namespace {

// A trained model plus the history of the fit that produced it.
struct PyTrained {
  std::unique_ptr<seqrt::TrainableModel> model;
  seqrt::TrainHistory history;
};

seqrt::OptimizerKind ParseOptimizer(const std::string& name) {
  if (name == "adam") return seqrt::OptimizerKind::kAdam;
  if (name == "sgd") return seqrt::OptimizerKind::kSGD;
  ThrowInvalid(absl::StrCat("optimizer '", name, "' is not one of: adam, sgd"));
}

PyTrained Train(const py::array& x, const py::array& y, const std::string& layers, int epochs, int64_t batch_size,
                const std::string& optimizer, double learning_rate, double momentum, double clip_norm,
                double validation_split, bool shuffle, uint64_t seed, int early_stopping_patience,
                bool restore_best_weights, int threads, const std::string& backend, const py::object& on_epoch) {
  seqrt::TrainingData data = Unwrap(seqrt::MakeTrainingData(CopyToTensor(x, "x"), CopyToTensor(y, "y")));
  std::vector<seqrt::LayerSpec> specs = Unwrap(seqrt::ParseLayerList(layers));
  seqrt::TrainOptions o;
  o.epochs = epochs;
  o.batch_size = batch_size;
  o.optimizer = ParseOptimizer(optimizer);
  o.learning_rate = learning_rate;
  o.momentum = momentum;
  o.clip_norm = clip_norm;
  o.validation_split = validation_split;
  o.shuffle = shuffle;
  o.seed = seed;
  o.early_stopping_patience = early_stopping_patience;
  o.restore_best_weights = restore_best_weights;
  o.threads = threads;
  o.backend = Unwrap(seqrt::ParseTrainBackend(backend));

  // The callback runs with the GIL; an exception in it ends training and is re-raised after.
  std::optional<py::error_already_set> callback_error;
  if (!on_epoch.is_none()) {
    o.on_epoch = [&](const seqrt::EpochStats& st) {
      py::gil_scoped_acquire locked;
      try {
        on_epoch(seqrt::EpochStats(st));  // a copy Python owns, not a view of the trainer's
      } catch (py::error_already_set& e) {
        if (!callback_error) callback_error.emplace(std::move(e));
      }
    };
    o.stop_if = [&](const seqrt::EpochStats&) { return callback_error.has_value(); };
  }

  PyTrained out;
  absl::Status status;
  {
    py::gil_scoped_release unlocked;
    absl::StatusOr<seqrt::TrainableModel> model =
        seqrt::TrainableModel::Create(data.num_features(), specs, data.target, data.num_outputs(), seed);
    if (model.ok()) {
      out.model = std::make_unique<seqrt::TrainableModel>(std::move(*model));
      absl::StatusOr<seqrt::TrainHistory> history = out.model->Fit(data, o);
      if (history.ok()) out.history = std::move(*history);
      status = history.status();
    } else {
      status = model.status();
    }
  }
  if (callback_error) throw std::move(*callback_error);
  if (!status.ok()) Throw(status);
  return out;
}

}  // namespace

void BindTrainer(py::module_& m) {
  py::class_<seqrt::EpochStats>(m, "EpochStats", "One epoch of training.")
      .def_readonly("epoch", &seqrt::EpochStats::epoch)
      .def_readonly("train_loss", &seqrt::EpochStats::train_loss)
      .def_readonly("train_accuracy", &seqrt::EpochStats::train_accuracy)
      .def_readonly("val_loss", &seqrt::EpochStats::val_loss)
      .def_readonly("val_accuracy", &seqrt::EpochStats::val_accuracy)
      .def_readonly("has_validation", &seqrt::EpochStats::has_validation)
      .def_readonly("seconds", &seqrt::EpochStats::seconds)
      .def_readonly("samples_per_second", &seqrt::EpochStats::samples_per_second)
      .def("__repr__", [](const seqrt::EpochStats& s) {
        return absl::StrCat("EpochStats(epoch=", s.epoch, ", train_loss=", s.train_loss,
                            ", train_accuracy=", s.train_accuracy, ")");
      });

  py::class_<PyTrained>(m, "_Trained")
      .def_property_readonly("epochs", [](const PyTrained& t) { return t.history.epochs; })
      .def_property_readonly("best_epoch", [](const PyTrained& t) { return t.history.best_epoch; })
      .def_property_readonly("stopped_early", [](const PyTrained& t) { return t.history.stopped_early; })
      .def_property_readonly("parameter_count", [](const PyTrained& t) { return t.model->parameter_count(); })
      .def("summary", [](const PyTrained& t) { return t.model->Summary(); })
      .def("predict",
           [](const PyTrained& t, const py::array& x, int64_t batch_size) {
             seqrt::Tensor in = CopyToTensor(x, "x");
             absl::StatusOr<seqrt::Tensor> out = [&] {
               py::gil_scoped_release unlocked;
               return t.model->Predict(in, batch_size);
             }();
             return ToNumpy(Unwrap(std::move(out)));
           })
      .def("evaluate",
           [](const PyTrained& t, const py::array& x, const py::array& y, int64_t batch_size) {
             seqrt::TrainingData data = Unwrap(seqrt::MakeTrainingData(CopyToTensor(x, "x"), CopyToTensor(y, "y")));
             absl::StatusOr<seqrt::EpochStats> st = [&] {
               py::gil_scoped_release unlocked;
               return t.model->Evaluate(data, batch_size);
             }();
             return Unwrap(std::move(st));
           })
      .def("to_onnx", [](const PyTrained& t, int opset, const std::string& input_name, const std::string& output_name,
                         const std::string& graph_name) {
        seqrt::ExportOptions o;
        o.opset = opset;
        o.input_name = input_name;
        o.output_name = output_name;
        o.graph_name = graph_name;
        return py::bytes(Unwrap(t.model->SerializeOnnx(o)));
      });

  m.def("_train", &Train);
}

}  // namespace seqrt::python
