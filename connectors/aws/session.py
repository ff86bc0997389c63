"""Sessions and clients: boto3's default credential chain, one assumed-role session per member account.

A `SessionConfig` is a frozen value that travels to workers (threads, Ray tasks); each worker builds its
own `Sessions` from it and creates its clients there, because boto3 sessions are not thread-safe and
clients cannot be pickled.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.loaders import Loader, create_loader
from botocore.session import Session as BotocoreSession
from botocore.session import get_session

from connectors.errors import ConnectorError

ClientHook = Callable[[Any], None]


@dataclass(frozen=True)
class SessionConfig:
    """How to reach AWS. `client_hooks` run on every client created (tests install botocore event
    handlers through them: read-only guard, fault injection)."""

    profile: str | None = None
    endpoint_url: str | None = None
    home_region: str = "us-east-1"
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    session_name: str = "trustmap-collect"
    duration_seconds: int = 3600
    max_attempts: int = 10
    # botocore waits 60 s for a connection by default, and retries it: a silent endpoint cost minutes.
    connect_timeout: float = 10.0
    give_up_after: float = 10.0  # seconds of nothing but failed connections before collect gives up
    # Adaptive: botocore also slows its own sending rate when AWS throttles, which is what a storm needs.
    retry_mode: str = "adaptive"
    client_hooks: tuple[ClientHook, ...] = ()

    def role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{account}:role/{self.role_name}"


# Creating a client is not thread-safe in botocore, and the threads of a collection share one model
# loader (see Sessions). A rare gap seen under load (a new client's first read failing with an error
# that was neither AWS's nor botocore's) is most likely that race. Clients are made a few dozen times
# per account, so taking turns costs nothing measurable; the calls themselves stay parallel.
_CLIENT_CREATION = threading.Lock()


class ApiCallCounter:
    """Counts API operations (not HTTP attempts: retries are botocore's business) across clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, **_: Any) -> None:
        with self._lock:
            self.count += 1


def strip_account_host_prefix(endpoint_url: str) -> Callable[..., None]:
    """S3 Control's endpoint rules put the account id in front of the host
    (`111122223333.s3-control.us-east-1.amazonaws.com`). In front of a custom endpoint such as
    `127.0.0.1:5000` that name does not resolve, so with an endpoint URL the prefix is removed before
    sending; the account id still travels in the `x-amz-account-id` header, which the emulator reads.
    Requests to AWS itself never pass through here (only clients with an endpoint URL get this hook)."""
    endpoint_host = urlsplit(endpoint_url).netloc

    def strip(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc.endswith("." + endpoint_host):
            request.url = urlunsplit(parts._replace(netloc=endpoint_host))

    return strip


class Sessions:
    """The caller's session and, lazily, one assumed-role session per member account."""

    def __init__(self, config: SessionConfig, counter: ApiCallCounter | None = None,
                 loader: Loader | None = None) -> None:
        self.config = config
        self.counter = counter or ApiCallCounter()
        # One loader for every session: each botocore session would otherwise parse the service models
        # and endpoints.json again (about a second of CPU per account). Threads may share one.
        self.loader = loader or create_loader()
        self._base: boto3.Session | None = None
        self._caller_account: str | None = None
        self._accounts: dict[str, boto3.Session] = {}

    def base(self) -> boto3.Session:
        if self._base is None:
            self._base = boto3.Session(botocore_session=self._botocore_session(), profile_name=self.config.profile,
                                       region_name=self.config.home_region)
        return self._base

    def _botocore_session(self) -> BotocoreSession:
        session = get_session()
        session.register_component("data_loader", self.loader)
        return session

    def caller_account(self) -> str:
        if self._caller_account is None:
            sts = self.client(self.base(), "sts", self.config.home_region)
            self._caller_account = sts.get_caller_identity()["Account"]
        return self._caller_account

    def for_account(self, account: str) -> boto3.Session:
        """The caller's own session for its account; an assumed-role session (refreshed before it
        expires) for any other account."""
        if account == self.caller_account():
            return self.base()
        if account not in self._accounts:
            self._accounts[account] = self._assume(account)
        return self._accounts[account]

    def _assume(self, account: str) -> boto3.Session:
        sts = self.client(self.base(), "sts", self.config.home_region)
        cfg = self.config

        def fetch() -> dict[str, str]:
            kwargs: dict[str, Any] = {"RoleArn": cfg.role_arn(account), "RoleSessionName": cfg.session_name,
                                      "DurationSeconds": cfg.duration_seconds}
            if cfg.external_id:
                kwargs["ExternalId"] = cfg.external_id
            creds = sts.assume_role(**kwargs)["Credentials"]
            return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                    "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

        # The first fetch happens here, so that a denied AssumeRole fails now, for this account.
        credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")
        botocore_session = self._botocore_session()
        botocore_session._credentials = credentials  # the documented way has no public setter
        return boto3.Session(botocore_session=botocore_session, region_name=cfg.home_region)

    def client(self, session: boto3.Session, service: str, region: str) -> Any:
        cfg = self.config
        config = Config(retries={"mode": cfg.retry_mode, "max_attempts": cfg.max_attempts},
                        connect_timeout=cfg.connect_timeout, user_agent_extra="trustmap-collect")
        try:
            with _CLIENT_CREATION:
                client = session.client(service, region_name=region, endpoint_url=cfg.endpoint_url, config=config)
        except Exception as exc:  # unknown service name, unusable profile: a configuration problem
            raise ConnectorError(f"cannot create a {service} client in {region}: {exc}") from exc
        client.meta.events.register("before-call.*.*", self.counter)
        if cfg.endpoint_url and service == "s3control":
            client.meta.events.register("before-send.s3-control", strip_account_host_prefix(cfg.endpoint_url))
        for hook in cfg.client_hooks:
            hook(client)
        return client
