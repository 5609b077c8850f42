"""The trained backend: a scikit-learn model fitted on a tenant's own labelled documents.

`train` fits one (in memory), `save_model` / `load_model` keep it as a folder
(`model.joblib` + `meta.json`, checked before unpickling), `TrainedClassifier` serves the
`models.classification.Classifier` protocol, `load_documents` reads labelled JSONL files,
`doubtful_labels` finds training labels the model contradicts.
"""

from connectors.trained_model.audit import DoubtfulLabel, doubtful_labels
from connectors.trained_model.classifier import TrainedClassifier, load_classifier
from connectors.trained_model.dataset import DatasetError, LabelledDocument, load_documents
from connectors.trained_model.metrics import quality
from connectors.trained_model.model import ModelMeta, TrainedModel
from connectors.trained_model.model_folder import ModelFileError, load_model, read_meta, save_model
from connectors.trained_model.training import (
    TrainingError,
    train,
    train_with_out_of_fold,
    training_set_sha256,
)

__all__ = [
    "DatasetError",
    "DoubtfulLabel",
    "LabelledDocument",
    "ModelFileError",
    "ModelMeta",
    "TrainedClassifier",
    "TrainedModel",
    "TrainingError",
    "doubtful_labels",
    "load_classifier",
    "load_documents",
    "load_model",
    "quality",
    "read_meta",
    "save_model",
    "train",
    "train_with_out_of_fold",
    "training_set_sha256",
]
