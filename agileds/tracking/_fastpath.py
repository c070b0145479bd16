"""The pyfunc flavour of agileds' logged models: small inputs take the row plan.

A model logged by :func:`agileds.tracking.log_model` names this module as its pyfunc
``loader_module``. It loads the scikit-learn model as MLflow's sklearn flavour does and
compiles its row plan (:mod:`agileds.automl._fastpath`) once; ``predict_proba`` and
``predict`` on at most :data:`~agileds.automl._fastpath.FAST_ROWS` rows go through the
plan, larger inputs and anything the plan does not handle through the pipeline itself.
``mlflow.pyfunc.load_model`` and ``mlflow models serve`` both load it this way; with the
environment variable ``AGILEDS_FAST_PATH=0`` every call goes through the pipeline.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FAST_PATH_ENV", "LOADER_MODULE", "FastPyfunc"]

FAST_PATH_ENV = "AGILEDS_FAST_PATH"
"""Set to ``0`` to load models without the fast path (a comparison, or a suspected bug)."""

LOADER_MODULE = __name__
"""The pyfunc ``loader_module`` agileds writes into a logged model's MLmodel file."""


class FastPyfunc:
    """The pyfunc implementation: MLflow's sklearn wrapper with a fast path for small inputs.

    Attributes:
        plan: The compiled row plan, or None when the model has a part it does not know
            (then every call goes through the pipeline).
        fast_calls: Calls answered by the plan since loading (tests and benchmarks read it).
    """

    def __init__(self, inner: Any, *, fast: bool = True) -> None:
        from agileds.automl import compile_plan

        self._inner = inner
        self.model = inner.get_raw_model()
        self.plan = compile_plan(self.model) if fast else None
        self.fast_calls = 0

    def get_raw_model(self) -> Any:
        """The scikit-learn model."""
        return self.model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """The model's ``predict`` (what a regressor serves)."""
        return self._call("predict", data)

    def predict_proba(self, data: Any) -> Any:
        """The model's ``predict_proba`` (what a classifier serves)."""
        return self._call("predict_proba", data)

    def _call(self, method: str, data: Any) -> Any:
        from agileds.automl import FAST_ROWS, Unsupported

        if self.plan is not None and 0 < len(data) <= FAST_ROWS and hasattr(data, "columns"):
            try:
                result = self.plan.call(method, data)
            except Unsupported:
                pass
            else:
                self.fast_calls += 1
                return result
        return getattr(self.model, method)(data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)


def _load_pyfunc(path: str, model_config: Any = None) -> FastPyfunc:
    """Called by ``mlflow.pyfunc.load_model``: the sklearn flavour's model, wrapped."""
    import os

    import mlflow.sklearn

    fast = os.environ.get(FAST_PATH_ENV, "1").strip() != "0"
    return FastPyfunc(mlflow.sklearn._load_pyfunc(path), fast=fast)
