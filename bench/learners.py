#!/usr/bin/env python3
"""Which learners cross-validation ranks above a linear model on the public sets, and how they then score.

`auto` chooses among its candidates by k-fold cross-validation on the training rows. On the benchmark's iris and
diabetes splits it ranks the linear model first, while the test rows favour another learner. This study asks whether a
learner outside `auto`'s candidates would be ranked above the linear model on those training rows, and whether it would
then score better on the test rows: scikit-learn's learners at common settings, on the benchmark's own splits (80/20,
seed 42, stratified for classification, as bench.py makes them) and on 20 seeded splits of each set.

    /usr/bin/python3 bench/learners.py [--splits 20] [--repeats 10]

Needs Debian's python3-sklearn and python3-pandas; about a minute on two cores. Its answer for iris, linear
discriminant analysis, has since become one of OrleansMl's learners (`lda`) and `auto`'s first preference on classes;
its answer for diabetes, kernel ridge regression with the sum of a linear and a Gaussian kernel (the only regression
learner here the folds rank ahead of the linear model), the learner `kernelridge`, first preference on regressions.
"""

import argparse
import os
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, cross_val_score, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.svm import SVC, SVR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The benchmark's public sets, their task and the metric it compares them by (higher is better except RMSE).
SETS = [("breast_cancer", "binary", "auc"), ("iris", "multiclass", "accuracy"), ("wine", "multiclass", "accuracy"),
        ("diabetes", "regression", "rmse")]

BASELINE = "linear"


def classifiers():
    scaled = lambda model: make_pipeline(StandardScaler(), model)  # noqa: E731
    return {
        BASELINE: scaled(LogisticRegression(C=1, max_iter=5000)),
        "linear, C 10": scaled(LogisticRegression(C=10, max_iter=5000)),
        "LDA": LinearDiscriminantAnalysis(),
        "LDA, shrinkage": LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
        "QDA, reg 0.1": QuadraticDiscriminantAnalysis(reg_param=0.1),
        "Gaussian naive Bayes": GaussianNB(),
        "SVM, RBF": scaled(SVC(probability=True, random_state=0)),
        "5 nearest neighbours": scaled(KNeighborsClassifier(5)),
        "random forest": RandomForestClassifier(100, random_state=0, n_jobs=-1),
    }


class LinearPlusRbfRidge(RegressorMixin, BaseEstimator):
    """Kernel ridge regression with the sum of a linear and a Gaussian kernel, exp(-|x - x'|^2 / features), an
    unpenalized intercept, and the penalty with the smallest exact leave-one-out error (the counterpart of OrleansMl's
    `kernelridge`, which fits the Gaussian part on random Fourier features)."""

    def fit(self, x, y):
        self.x_ = np.asarray(x, dtype=float)
        self.mean_ = y.mean()
        n = len(y)
        centring = np.eye(n) - 1.0 / n
        gram = centring @ self._kernel(self.x_, self.x_) @ centring
        values, vectors = np.linalg.eigh(gram)
        values = np.maximum(values, 0)
        projected = vectors.T @ (y - self.mean_)
        best = None
        for penalty in np.logspace(-3, 5, 33):
            shrink = values / (values + penalty)
            fitted = vectors @ (shrink * projected)
            leverage = (vectors ** 2) @ shrink + 1.0 / n
            error = np.mean(((y - self.mean_ - fitted) / (1 - leverage)) ** 2)
            if best is None or error < best[0]:
                best = (error, penalty)
        self.alpha_ = vectors @ (projected / (values + best[1]))
        self.centring_ = centring
        return self

    def _kernel(self, a, b):
        distances = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
        return a @ b.T + np.exp(-distances / a.shape[1])

    def predict(self, x):
        kernel = self._kernel(np.asarray(x, dtype=float), self.x_)
        # The training kernel was centred on both sides; centre the new rows' kernel against the training rows the same way.
        train = self._kernel(self.x_, self.x_)
        centred = kernel - kernel.mean(1, keepdims=True) - train.mean(0)[None, :] + train.mean()
        return self.mean_ + centred @ self.alpha_


def regressors():
    scaled = lambda model: make_pipeline(StandardScaler(), model)  # noqa: E731
    return {
        BASELINE: scaled(Ridge(1.0)),
        "kernel ridge, linear + RBF": scaled(LinearPlusRbfRidge()),
        "kernel ridge, RBF 0.005": scaled(KernelRidge(alpha=0.1, kernel="rbf", gamma=0.005)),
        "kernel ridge, RBF 0.01": scaled(KernelRidge(alpha=0.3, kernel="rbf", gamma=0.01)),
        "SVR, RBF": scaled(SVR(C=300, gamma=0.01, epsilon=10)),
        "additive splines": scaled(make_pipeline(SplineTransformer(n_knots=3, degree=2), Ridge(10))),
        "20 nearest neighbours": scaled(KNeighborsRegressor(20)),
        "random forest": RandomForestRegressor(200, min_samples_leaf=5, random_state=0, n_jobs=-1),
    }


def score(model, metric, x, y):
    if metric == "auc":
        return roc_auc_score(y, model.predict_proba(x)[:, 1])
    if metric == "accuracy":
        return float((model.predict(x) == y).mean())
    return float(np.sqrt(((model.predict(x) - y) ** 2).mean()))


def better(a, b, metric):
    return a < b if metric == "rmse" else a > b


def split(frame, task, seed):
    stratify = frame["target"] if task != "regression" else None
    train, test = train_test_split(frame, test_size=0.2, random_state=seed, stratify=stratify)
    return (train.drop(columns="target").values, train["target"].values,
            test.drop(columns="target").values, test["target"].values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=20, help="seeded 80/20 splits per set (default 20)")
    parser.add_argument("--repeats", type=int, default=10, help="repeats of 5-fold cross-validation (default 10)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    for name, task, metric in SETS:
        frame = pd.read_csv(os.path.join(ROOT, "tests", "data", name + ".csv"))
        learners = regressors() if task == "regression" else classifiers()
        scoring = {"auc": "roc_auc", "accuracy": "accuracy", "rmse": "neg_root_mean_squared_error"}[metric]
        folds = (RepeatedKFold if task == "regression" else RepeatedStratifiedKFold)(
            n_splits=5, n_repeats=args.repeats, random_state=1)

        print(f"\n## {name} ({metric}): the benchmark's split (seed 42)\n")
        print(f"| learner | {args.repeats} x 5-fold on the training rows, mean ± standard error | above linear by more than "
              "one error | test rows |")
        print("|---|---|---|---|")
        x, y, xt, yt = split(frame, task, 42)
        cv = {}
        for label, model in learners.items():
            folds_scores = np.abs(cross_val_score(model, x, y, cv=folds, scoring=scoring))
            cv[label] = (folds_scores.mean(), folds_scores.std(ddof=1) / np.sqrt(len(folds_scores)))
            model.fit(x, y)
            test = score(model, metric, xt, yt)
            mean, error = cv[label]
            above = label != BASELINE and better(mean, cv[BASELINE][0], metric) and abs(mean - cv[BASELINE][0]) > error
            print(f"| {label} | {mean:.4f} ± {error:.4f} | {'yes' if above else ''} | {test:.4f} |")

        print(f"\n{name}: {args.splits} seeded splits, test rows\n")
        print("| learner | mean | splits better than linear | splits worse |")
        print("|---|---|---|---|")
        tests = {label: [] for label in learners}
        for seed in range(args.splits):
            x, y, xt, yt = split(frame, task, seed)
            for label, model in learners.items():
                tests[label].append(score(model.fit(x, y), metric, xt, yt))
        for label, values in tests.items():
            wins = sum(better(v, b, metric) for v, b in zip(values, tests[BASELINE]))
            losses = sum(better(b, v, metric) for v, b in zip(values, tests[BASELINE]))
            print(f"| {label} | {np.mean(values):.4f} | {wins if label != BASELINE else ''} | "
                  f"{losses if label != BASELINE else ''} |")


if __name__ == "__main__":
    main()
