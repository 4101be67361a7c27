"""Settings, resolved from flags, environment, a config file and defaults.

Precedence, highest first: command-line flag, environment variable, the
config file (``config.toml`` in the user's config folder, or the file named
by ``--config`` / ``HOTLINE_CONFIG``), built-in default.

=============  =====================  ==================  ===========================
setting        flag                   environment         config key
=============  =====================  ==================  ===========================
database URL   ``--db``               ``HOTLINE_DB``      ``db``
time zone      ``--tz``               ``HOTLINE_TZ``      ``timezone``
language       ``--lang``             ``HOTLINE_LANG``    ``language`` (then ``LANG``)
policy folder  ``--policy-dir``       ``HOTLINE_POLICY_DIR``  ``policy_dir``
signed-in as   ``--as``               ``HOTLINE_AS``      ``login``
idle lock      —                      —                   ``idle_lock_minutes``
secret cost    —                      —                   ``secret_cost``
connections    —                      —                   ``db_pool``
pooler         —                      —                   ``db_pooler``, ``db_listen``
=============  =====================  ==================  ===========================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.errors import ConfigError
from hotline.i18n import _, normalise_lang
from hotline.opening_hours import OpeningHours, parse_opening_hours
from hotline.paths import shipped_data_dir, user_config_dir, user_data_dir
from hotline.wall_thresholds import WallThresholds, parse_wall

DEFAULT_TZ = "Asia/Shanghai"
LANGUAGES = ("en", "zh_CN")

_CONFIG_KEYS = {
    "db",
    "timezone",
    "language",
    "policy_dir",
    "calendar_file",
    "login",
    "bell",
    "shifts",
    "keymap",
    "wall",
    "opening_hours",
    "notify",
    "idle_lock_minutes",
    "secret_cost",
    "db_pool",
    "db_pooler",
    "db_listen",
}

#: Minutes without a key before the desk locks (``idle_lock_minutes``; 0: never).
DEFAULT_IDLE_LOCK_MINUTES = 10
#: scrypt's cost as a power of two (``secret_cost``): 2**15 with r=8 takes 32 MiB and
#: about a tenth of a second per try, the level OWASP recommends for scrypt; 14 is the
#: least a config file may choose (tests choose less, through Settings).
DEFAULT_SECRET_COST = 15
#: PostgreSQL connections a seat keeps open between uses (``db_pool``; see
#: hotline.store.engine): the server's ``max_connections`` is shared by every seat.
DEFAULT_POOL = 1
#: The most connections a seat may keep open (``db_pool``).
MAX_POOL = 20
MIN_SECRET_COST = 14
MAX_SECRET_COST = 20


@dataclass(frozen=True)
class Settings:
    """Everything the program needs to know about where and how it runs."""

    db_url: str
    tz: ZoneInfo
    lang: str
    policy_dirs: tuple[Path, ...]
    calendar_files: tuple[Path, ...]
    login: str | None = None
    bell: bool = True
    keymap: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    shifts_file: Path | None = None  # the rota; None: the shipped data/shifts.toml
    #: When the wallboard's figures turn amber and red (the ``[wall]`` table).
    wall: WallThresholds = field(default_factory=WallThresholds)
    #: When the desk is staffed; None: always (a 7×24 desk)
    hours: OpeningHours | None = None
    #: The ``[notify]`` table as written (channels, rules; read by :mod:`hotline.notify`).
    notify: Mapping[str, Any] = field(default_factory=dict)
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    secret_cost: int = DEFAULT_SECRET_COST
    #: PostgreSQL connections the seat keeps open between uses (``db_pool``).
    db_pool: int = DEFAULT_POOL
    #: ``db`` leads to a pooler in transaction mode such as PgBouncer (``db_pooler``):
    #: no prepared statements, and no ``LISTEN`` through it.
    db_pooler: bool = False
    #: Where the seat listens for other seats' changes (``db_listen``): None, the ``db``
    #: database (polling behind a pooler); a URL, that server (the one behind the
    #: pooler); ``"poll"``: never listen, look twice a second instead.
    db_listen: str | None = None

    @property
    def listen_url(self) -> str | None:
        """What :class:`hotline.store.changes.ChangeWatcher` is given as ``listen_url``."""
        if self.db_listen:
            return self.db_listen
        return "poll" if self.db_pooler else None

    @property
    def is_default_sqlite(self) -> bool:
        return self.db_url == default_db_url()


def default_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'hotline.db'}"


def default_config_file() -> Path:
    return user_config_dir() / "config.toml"


def _read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(_("Config file {path} does not exist.").format(path=path))
        return {}
    import tomllib

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("Config file {path} is not valid TOML: {error}").format(
            path=path, error=exc)) from exc
    except OSError as exc:
        raise ConfigError(_("Config file {path} cannot be read: {error}").format(
            path=path, error=exc.strerror or exc)) from exc
    unknown = sorted(set(data) - _CONFIG_KEYS)
    if unknown:
        raise ConfigError(_("Config file {path}: unknown key {key} (known: {known}).").format(
            path=path, key=unknown[0], known=", ".join(sorted(_CONFIG_KEYS))))
    return data


def _known_lang(value: str) -> bool:
    """``en``, ``zh_CN`` and their usual spellings (``en_US.UTF-8``, ``zh-Hans``, ``C``)."""
    v = value.strip().lower().replace("-", "_")
    return v in ("c", "posix") or (v[:2] in ("en", "zh") and (len(v) == 2 or v[2] in "_.@"))


def load_settings(
    *,
    db: str | None = None,
    tz: str | None = None,
    lang: str | None = None,
    policy_dir: str | None = None,
    login: str | None = None,
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings; raises :class:`ConfigError` with a precise message."""
    env = os.environ if environ is None else environ
    config_path_text = config or env.get("HOTLINE_CONFIG")
    config_path = Path(config_path_text).expanduser() if config_path_text else default_config_file()
    file_values = _read_config_file(config_path, required=bool(config_path_text))

    def pick(flag: str | None, env_key: str, file_key: str) -> Any:
        if flag not in (None, ""):
            return flag
        if env.get(env_key):
            return env[env_key]
        return file_values.get(file_key)

    db_url = pick(db, "HOTLINE_DB", "db") or default_db_url()
    if not isinstance(db_url, str):
        raise ConfigError(_("The database setting must be a URL or a file path."))
    db_url = _db_url_from(db_url)

    tz_name = pick(tz, "HOTLINE_TZ", "timezone") or DEFAULT_TZ
    try:
        zone = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(_("Unknown time zone {tz!r}: use a name such as Asia/Shanghai.").format(
            tz=tz_name)) from exc

    lang_value = pick(lang, "HOTLINE_LANG", "language")
    if lang_value is not None and not _known_lang(str(lang_value)):
        # said on purpose (flag, HOTLINE_LANG, config): a typo is not quietly English
        raise ConfigError(_("Unknown language {lang!r}: use en or zh_CN.").format(
            lang=str(lang_value)[:40]))
    if lang_value is None:
        lang_value = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or "en"
    language = normalise_lang(str(lang_value))

    dirs: list[Path] = [shipped_data_dir() / "policies"]
    user_policies = pick(policy_dir, "HOTLINE_POLICY_DIR", "policy_dir")
    if user_policies:
        p = Path(str(user_policies)).expanduser()
        if not p.is_dir():
            raise ConfigError(_("Policy folder {path} does not exist.").format(path=p))
        dirs.append(p)
    else:
        default_user = user_config_dir() / "policies"
        if default_user.is_dir():
            dirs.append(default_user)

    calendars: list[Path] = []
    cal = file_values.get("calendar_file")
    if cal:
        calendars.append(Path(str(cal)).expanduser())
    default_cal = user_config_dir() / "calendar.toml"
    if default_cal.exists():
        calendars.append(default_cal)

    shifts_file = _shifts_file(file_values.get("shifts"))

    keymap = file_values.get("keymap", {})
    if not isinstance(keymap, dict):
        raise ConfigError(_("Config key 'keymap' must be a table of binding id = keys."))

    notify = file_values.get("notify", {})
    if not isinstance(notify, dict):
        raise ConfigError(_("Config key 'notify' must be a table ([notify])."))
    idle = file_values.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)
    if isinstance(idle, bool) or not isinstance(idle, int) or not 0 <= idle <= 24 * 60:
        raise ConfigError(_("Config key 'idle_lock_minutes' must be a whole number of minutes "
                            "from 0 (never lock) to 1440."))
    cost = file_values.get("secret_cost", DEFAULT_SECRET_COST)
    if (isinstance(cost, bool) or not isinstance(cost, int)
            or not MIN_SECRET_COST <= cost <= MAX_SECRET_COST):
        raise ConfigError(_("Config key 'secret_cost' must be a whole number from {low} to "
                            "{high}.").format(low=MIN_SECRET_COST, high=MAX_SECRET_COST))
    pool = file_values.get("db_pool", DEFAULT_POOL)
    if isinstance(pool, bool) or not isinstance(pool, int) or not 1 <= pool <= MAX_POOL:
        raise ConfigError(_("Config key 'db_pool' must be a whole number of connections "
                            "from 1 to {high}.").format(high=MAX_POOL))
    pooler = file_values.get("db_pooler", False)
    if not isinstance(pooler, bool):
        raise ConfigError(_("Config key 'db_pooler' must be true or false."))
    listen = file_values.get("db_listen")
    if listen is not None and (not isinstance(listen, str) or not (
            listen == "poll" or listen.startswith(("postgresql://", "postgresql+")))):
        raise ConfigError(_("Config key 'db_listen' must be \"poll\" or a PostgreSQL URL "
                            "(postgresql+psycopg://…)."))

    return Settings(
        db_url=db_url,
        tz=zone,
        lang=language,
        policy_dirs=tuple(dirs),
        calendar_files=tuple(calendars),
        login=pick(login, "HOTLINE_AS", "login"),
        bell=bool(file_values.get("bell", True)),
        keymap={str(k): str(v) for k, v in keymap.items()},
        config_file=config_path if config_path.exists() else None,
        shifts_file=shifts_file,
        wall=parse_wall(file_values.get("wall")),
        hours=parse_opening_hours(file_values.get("opening_hours")),
        notify=notify,
        idle_lock_minutes=idle,
        secret_cost=cost,
        db_pool=pool,
        db_pooler=pooler,
        db_listen=listen,
    )


def _shifts_file(value: Any) -> Path | None:
    """The rota file: the config key ``shifts``, else ``shifts.toml`` in the config folder."""
    if value is not None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(_("Config key 'shifts' must be the path of a rota file."))
        path = Path(value).expanduser()
        if not path.is_file():
            raise ConfigError(_("Rota file {path} does not exist.").format(path=path))
        return path
    default = user_config_dir() / "shifts.toml"
    return default if default.is_file() else None


def _db_url_from(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"
