"""The app: CORS for the browser origins, the API router under ``/api/v1``."""

from __future__ import annotations

import os

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .deps import init_db
from .routes import router, utils_router

API_V1_STR = "/api/v1"
CORS_ORIGINS = os.environ.get("CORS_ORIGINS", "http://localhost:3000").split(",")

api_router = APIRouter()
api_router.include_router(utils_router)
api_router.include_router(router)

app = FastAPI(title="FastAPI peer", openapi_url=f"{API_V1_STR}/openapi.json")

if CORS_ORIGINS:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=CORS_ORIGINS,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )

app.include_router(api_router, prefix=API_V1_STR)

init_db()
