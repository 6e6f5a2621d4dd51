"""The services' one check of what the signed-in role may do (``domain.roles``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from restart_desktop.app.errors import NotPermitted
from restart_desktop.app.session import AppSession
from restart_desktop.domain.roles import Permission, can, refusal


def require(session: AppSession, permission: Permission) -> None:
    """NotPermitted unless the signed-in worker's role allows ``permission``."""
    if not can(session.worker.role, permission):
        raise NotPermitted(refusal(permission))


def allowed(session: AppSession, permission: Permission) -> bool:
    return can(session.worker.role, permission)


class _Service(Protocol):
    _app: AppSession


_C = TypeVar("_C", bound=type)


def guarded(permission: Permission) -> Callable[[_C], _C]:
    """Class decorator: every public method of a service checks ``permission`` first, so a
    role without it reads and writes nothing through the service, whichever window or script
    calls it. The service keeps its session as ``self._app``."""

    def wrap(cls: _C) -> _C:
        for name, member in list(vars(cls).items()):
            if (
                name.startswith("_")
                or not callable(member)
                or isinstance(member, staticmethod | classmethod)
            ):
                continue  # static helpers hold no data
            setattr(cls, name, _checked(member, permission))
        return cls

    return wrap


def _checked(method: Callable[..., Any], permission: Permission) -> Callable[..., Any]:
    @wraps(method)
    def call(self: _Service, *args: Any, **kwargs: Any) -> Any:
        require(self._app, permission)
        return method(self, *args, **kwargs)

    return call
