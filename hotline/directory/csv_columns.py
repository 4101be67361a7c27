"""The columns of the directory's CSV files (data only: cheap to import for ``--help``)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("customers", "contacts", "contracts")

#: Delimiters recognised from the header line, in order of preference.
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    aliases: tuple[str, ...] = ()


#: The columns of each kind of file, in the documented order.
COLUMNS: dict[str, tuple[Column, ...]] = {
    "customers": (
        Column("customer_code", True, ("code", "客户编码", "客户代码", "客户编号")),
        Column("customer_name", True, ("客户名称", "客户")),
        Column("city", False, ("customer_city", "城市", "客户城市")),
        Column("site_name", False, ("site", "站点", "站点名称", "局站")),
        Column("site_city", False, ("站点城市",)),
        Column("area_code", False, ("区号",)),
        Column("address", False, ("地址", "站点地址")),
    ),
    "contacts": (
        Column("customer_code", True, ("code", "客户编码", "客户代码", "客户编号")),
        Column("contact_name", True, ("name", "姓名", "联系人", "联系人姓名")),
        Column("title", False, ("职务", "职位")),
        Column("site", False, ("site_name", "站点", "站点名称", "局站")),
        Column("email", False, ("e-mail", "mail", "邮箱", "电子邮件")),
        Column("numbers", True, ("number", "phone", "phones", "电话", "号码", "联系电话",
                                 "电话号码")),
    ),
    "contracts": (
        Column("contract_code", True, ("code", "合同编号", "合同编码", "合同号")),
        Column("customer_code", True, ("客户编码", "客户代码", "客户编号")),
        Column("title", False, ("合同名称", "名称")),
        Column("policy", True, ("策略", "服务策略", "服务规范")),
        Column("grade", False, ("等级", "服务等级")),
        Column("region", False, ("区域", "地区")),
        Column("valid_from", True, ("生效日期", "开始日期", "起始日期")),
        Column("valid_to", False, ("到期日期", "结束日期", "终止日期")),
    ),
}


def header_line(kind: str) -> str:
    """The documented header of a kind of file."""
    return ",".join(c.name for c in COLUMNS[kind])
