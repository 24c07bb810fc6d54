"""The stack OrleansMl replaces, as a benchmark peer: FastAPI + uvicorn + pandas + a scikit-learn RandomForest.

Trains a 100-tree forest on the CSV named by SEED_TRAIN_CSV (label column SEED_LABEL, default "target") at start-up
and serves POST /api/models/{name}/predict with the same body as OrleansMl: {"rows": [{column: value}, ...]}.
SEED_JOBS sets the forest's n_jobs (default -1: all cores, as the seed ran it).
"""
import os

import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.ensemble import RandomForestClassifier

train = pd.read_csv(os.environ["SEED_TRAIN_CSV"])
label = os.environ.get("SEED_LABEL", "target")
features = train.drop(columns=[label])
columns = list(features.columns)
model = RandomForestClassifier(n_estimators=100, n_jobs=int(os.environ.get("SEED_JOBS", "-1")), random_state=42)
model.fit(features, train[label])
classes = [str(c) for c in model.classes_]

app = FastAPI()


class PredictBody(BaseModel):
    rows: list[dict]


@app.post("/api/models/{name}/predict")
def predict(name: str, body: PredictBody):
    frame = pd.DataFrame(body.rows, columns=columns)
    probabilities = model.predict_proba(frame)
    best = probabilities.argmax(axis=1)
    return {
        "model": name,
        "predictions": [
            {"label": classes[b], "probabilities": dict(zip(classes, map(float, p)))}
            for b, p in zip(best, probabilities)
        ],
    }
