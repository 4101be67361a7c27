"""What a robot's own error code means: a refusal that can never succeed, or a rate limit.

WeCom, DingTalk and Feishu answer HTTP 200 with an error code in the body. A
code that names a wrong key, token, signature or keyword, or a robot removed
from its group, will answer the same on every retry: the message is failed
at once with the reason, so the desk hears of it now and not two hours later.
A rate-limit code is tried again with the usual backoff (DingTalk blocks a
robot for 10 minutes after 20 posts in a minute). Any other code is retried
too: it is not known to be final.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.i18n import N_, _


@dataclass(frozen=True)
class RobotCode:
    permanent: bool
    reason: str  # untranslated (N_); shown through _()


#: The documented codes of each robot's webhook ("send" answers).
ROBOT_CODES: dict[str, dict[int, RobotCode]] = {
    "wecom": {
        93000: RobotCode(True, N_("invalid webhook: the robot's key is wrong or the robot "
                                  "was removed from its group")),
        40008: RobotCode(True, N_("the robot refused the message type")),
        40058: RobotCode(True, N_("the robot refused a parameter of the message")),
        44004: RobotCode(True, N_("the robot refused an empty message")),
        45009: RobotCode(False, N_("rate limited by the robot (at most 20 messages a "
                                   "minute)")),
    },
    "dingtalk": {
        310000: RobotCode(True, N_("refused by the robot's security settings: the "
                                   "signature does not match, the keyword is missing or "
                                   "the IP address is not allowed")),
        300001: RobotCode(True, N_("the robot's token is not valid")),
        300005: RobotCode(True, N_("the robot's token does not exist")),
        400013: RobotCode(True, N_("the robot's group was disbanded")),
        130101: RobotCode(False, N_("rate limited by the robot (20 messages a minute, then "
                                    "blocked for 10 minutes)")),
        410100: RobotCode(False, N_("rate limited by the robot (20 messages a minute, then "
                                    "blocked for 10 minutes)")),
    },
    "feishu": {
        19001: RobotCode(True, N_("the bot's hook id is not valid")),
        19021: RobotCode(True, N_("the signature does not match (or the clock is more than "
                                  "an hour off)")),
        19022: RobotCode(True, N_("the IP address is not allowed by the bot")),
        19024: RobotCode(True, N_("the bot's keyword is missing from the message")),
        11232: RobotCode(False, N_("rate limited by the bot")),
    },
}


def robot_code(robot: str, code: object) -> RobotCode | None:
    """The meaning of ``code`` for ``robot``, or None when it is not a known code."""
    if isinstance(code, bool) or not isinstance(code, int):
        return None
    return ROBOT_CODES.get(robot, {}).get(code)


def reason(found: RobotCode) -> str:
    return _(found.reason)
