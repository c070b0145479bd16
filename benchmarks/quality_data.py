"""Mixed-type datasets for ``benchmarks/bench_quality.py``, built from a seed (no download).

Both mimic a public dataset's structure with known effects, so a model's quality has a
ceiling to compare with, and both hold one legitimate strong feature the sanity checks must
keep (issue 16):

- ``make_churn``: telecom churn, binary ``churned`` (about 30%): contract type (the strong
  one), plan, a 25-level region, tenure, monthly charges with nulls, support tickets, a yes/no
  flag, a signup date and short free-text notes whose complaints carry signal, plus an
  identifier ``customer_id``;
- ``make_insurance``: medical charges, regression on ``charges``: age, sex, BMI with nulls,
  children, smoker (the strong one: it roughly triples the charges, more so with a high
  BMI), region, a 12-level occupation and a plan start date; the noise is multiplicative.
"""

from __future__ import annotations

from typing import Any

CHURN_PHRASES = {
    "price": ["too expensive", "price went up again", "found a cheaper offer"],
    "outage": ["internet keeps dropping", "outage last week", "slow connection at night"],
    "neutral": ["asked about the bill", "moved to a new address", "changed payment method"],
    "happy": ["very happy with the service", "thanks for the quick help", "great support"],
}


def make_churn(seed: int, n_rows: int = 2000) -> Any:
    """Telecom churn with mixed column types (see the module docstring)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng([seed, 16, 1])
    contract = rng.choice(["month-to-month", "one year", "two year"], n_rows, p=[0.55, 0.25, 0.2])
    plan_index = rng.integers(0, 4, n_rows)
    plan = np.array(["basic", "standard", "premium", "family"])[plan_index]
    region_index = rng.integers(0, 25, n_rows)
    region_effect = rng.normal(0, 0.4, 25)[region_index]
    tenure = rng.gamma(2.0, 12.0, n_rows).round()
    monthly = 25 + 18 * plan_index + rng.normal(0, 8, n_rows)
    tickets = rng.poisson(0.4 + 0.3 * (plan_index == 0), n_rows)
    paperless = rng.random(n_rows) < 0.6
    m2m = contract == "month-to-month"
    logit = (
        -1.6
        + 1.7 * m2m
        - 1.0 * (contract == "two year")
        - 0.035 * tenure
        + 0.025 * (monthly - 60)
        + 0.3 * tickets * (1 + m2m)
        + 0.3 * paperless
        + region_effect
    )
    topic = rng.choice(list(CHURN_PHRASES), n_rows, p=[0.25, 0.25, 0.3, 0.2])
    logit += np.select(
        [topic == "price", topic == "outage", topic == "happy"], [0.9, 0.6, -0.8], 0.0
    )
    churned = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    notes = np.array([rng.choice(CHURN_PHRASES[t]) for t in topic], dtype=object)
    notes[rng.random(n_rows) < 0.3] = None  # no note
    monthly = np.where(rng.random(n_rows) < 0.05, np.nan, monthly.round(2))
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n_rows), unit="D")
    return pd.DataFrame(
        {
            "customer_id": [f"C{seed:02d}-{k:05d}" for k in range(n_rows)],
            "signup_date": signup.strftime("%Y-%m-%d"),
            "contract": contract,
            "plan": plan,
            "region": [f"R{k:02d}" for k in region_index],
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "support_tickets": tickets,
            "paperless": np.where(paperless, "yes", "no"),
            "notes": notes,
            "churned": churned,
        }
    )


def make_insurance(seed: int, n_rows: int = 1500) -> Any:
    """Medical charges with mixed column types (see the module docstring)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng([seed, 16, 2])
    age = rng.integers(18, 65, n_rows)
    sex = rng.choice(["female", "male"], n_rows)
    bmi = rng.normal(30, 6, n_rows).clip(16, 55)
    children = rng.choice(6, n_rows, p=[0.42, 0.24, 0.18, 0.11, 0.03, 0.02])
    smoker = rng.random(n_rows) < 0.2
    region = rng.choice(["northeast", "northwest", "southeast", "southwest"], n_rows)
    jobs = [f"occupation {k}" for k in range(12)]
    job_index = rng.integers(0, 12, n_rows)
    job_effect = rng.normal(0, 0.12, 12)[job_index]
    base = 2200 + 260 * age + 450 * children + 120 * np.maximum(bmi - 25, 0)
    base *= np.exp(0.08 * (region == "southeast") + job_effect)
    charges = base + smoker * (14000 + 1400 * np.maximum(bmi - 30, 0))
    charges *= rng.lognormal(0, 0.18, n_rows)
    start = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1800, n_rows), unit="D")
    return pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "bmi": np.where(rng.random(n_rows) < 0.05, np.nan, bmi.round(1)),
            "children": children,
            "smoker": np.where(smoker, "yes", "no"),
            "region": region,
            "occupation": np.array(jobs)[job_index],
            "plan_start": start.strftime("%Y-%m-%d"),
            "charges": charges.round(2),
        }
    )
