"""The refit line quotes the best trial's CV score as the progress line showed it."""

from __future__ import annotations

import optuna

from agileds.runners._sweep import _refit_message
from agileds.sweeps._ensemble import Ensemble


def _study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize")
    for value in (0.9601, 0.9651, 0.9500):
        study.add_trial(optuna.trial.create_trial(value=value))
    return study


def test_a_single_model_names_its_trial_and_cv_score() -> None:
    assert _refit_message(_study(), None, "auroc") == (
        "refitting the best configuration (trial-1, CV auroc 0.9651) on the whole training part"
    )


def test_an_ensemble_names_both_scores_and_what_each_is() -> None:
    ensemble = Ensemble(trials=(1, 0), weights=(2, 1), score=0.9700, best_score=0.9667)
    assert _refit_message(_study(), ensemble, "auroc") == (
        "refitting an ensemble of 2 trials (trial-1×2, trial-0×1) on the whole training part: "
        "pooled out-of-fold auroc 0.9700 against 0.9667 for trial-1 alone (its CV auroc, the "
        "mean over folds: 0.9651)"
    )
