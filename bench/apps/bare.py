"""The baseline: a bare Flask app with one jsonify route, as small as Flask gets.

It has a secret key, as every real Flask app has, so Flask opens its cookie
session on each request just as it does in the baked app.
"""

from flask import Flask, jsonify

app = Flask(__name__)
app.config["SECRET_KEY"] = "benchmark-only-secret"


@app.get("/api/v1/health")
def health():
    return jsonify(status="ok")
