"""The bug runner: data checks that reproduce the bug, then a regression run of the current
best configuration against production on the same holdout."""

from __future__ import annotations

import json
from typing import Any

from agileds.project import Project
from agileds.runners._base import RunOptions, RunResult, TicketRunner
from agileds.runners._sweep import Execution, say_sanity
from agileds.sweeps import default_configs, load_ticket_spec, prepare_data
from agileds.tickets import Ticket, evaluate_ticket, overall_verdict
from agileds.tracking import CONFIG_TAG, get_alias_version

__all__ = ["BugRunner"]


class BugRunner(TicketRunner):
    """Runs a bug ticket.

    The criteria decide whether the bug is fixed without a regression, e.g.
    ``blank_text_rate.description == 0 and delta.auroc.ci_low > -0.005``: the data checks
    (``blank_text_rate.<column>``, ``null_rate.<column>``) are measured on the training data
    as the pipeline sees it, and the current best configuration (production's, else the
    first family's defaults) is retrained with the spec's settings today (where the fix
    lives, e.g. ``preprocessing: {blank_as_null: true}``) and compared with production.
    """

    def run(self, project: Project, ticket: Ticket, options: RunOptions) -> RunResult:

        spec, spec_path, shown = load_ticket_spec(project, ticket)
        data = prepare_data(spec, spec_path, shown)
        options.say(f"{ticket.id}: data checks and a regression run on {len(data.train)} rows")
        say_sanity(data.sanity, options)
        return _BugExecution(project, ticket, spec, spec_path, shown, data, options).run()


class _BugExecution(Execution):
    def run(self) -> RunResult:
        return self._in_parent_run(self._check_and_retrain)

    def _current_config(self) -> dict[str, Any]:

        version = get_alias_version(self.client, self.model_name, "production")
        if version is not None:
            raw = self.client.get_model_version(self.model_name, version).tags.get(CONFIG_TAG)
            if raw:
                self.options.say(
                    f"retraining production's configuration ({self.model_name} v{version})"
                )
                config: dict[str, Any] = json.loads(raw)
                return {**config, **self.spec.preprocessing}
        self.options.say("no production configuration: retraining the first family's defaults")
        return {**default_configs(self.spec, self.data)[0], **self.spec.preprocessing}

    def _check_and_retrain(self, logger: Any, parent: str) -> RunResult:
        from agileds.runners._holdout import fit_candidate

        quality = self._data_quality()
        candidate = fit_candidate(self._current_config(), self.spec, self.data)
        quantities = {**candidate.quantities, **quality}
        self._compare_with_production(candidate, quantities)
        criteria = evaluate_ticket(self.ticket, quantities)
        verdict = overall_verdict(criteria)
        version = self._register(candidate, parent, verdict.value)
        logger.log_dict_artifact(parent, quality, "checks/data_quality.json")
        self._log_sanity(parent)
        return self._close(logger, parent, candidate, quantities, criteria, version, None)
