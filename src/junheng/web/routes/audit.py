"""(issue 16, being built)"""

from fastapi import APIRouter

router = APIRouter()
