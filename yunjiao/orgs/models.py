"""The org tree 市 > 县/区 > 司法所 with materialised paths, and staff groupings."""

from __future__ import annotations

from django.db import models


class OrgLevel(models.TextChoices):
    CITY = "city", "市"
    COUNTY = "county", "县(市、区)"
    TOWNSHIP = "township", "司法所"


class OrgQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Orgs a user may see: their own branch, plus the ancestors (names only are shown)."""
        from yunjiao.core.scoping import scope_path

        path = scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        ancestors = path.split(".")
        prefixes = [".".join(ancestors[: i + 1]) for i in range(len(ancestors))]
        return self.filter(models.Q(path__startswith=path) | models.Q(path__in=prefixes))

    def in_branch(self, org: Org):
        return self.filter(path__startswith=org.path)


class Org(models.Model):
    """One node of the tree.  `path` is the dot-joined list of division codes from the city down."""

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    division_name = models.CharField("行政区划名称", max_length=64, blank=True)
    short_name = models.CharField("简称", max_length=16, blank=True, help_text="用于文号，如“任”")
    level = models.CharField("层级", max_length=10, choices=OrgLevel.choices)
    parent = models.ForeignKey("self", verbose_name="上级机构", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField("路径", max_length=64, unique=True)
    is_active = models.BooleanField("启用", default=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count(".")

    def county(self) -> Org | None:
        """The county-level agency this org belongs to (itself for a county)."""
        if self.level == OrgLevel.COUNTY:
            return self
        if self.level == OrgLevel.TOWNSHIP:
            return self.parent
        return None

    def contains(self, other: Org) -> bool:
        return other.path == self.path or other.path.startswith(self.path + ".")


class EnforcementSquad(models.Model):
    """County-level 执法中队 (队建制) or a 矩阵式 team: staff grouped across townships."""

    class Kind(models.TextChoices):
        SQUAD = "squad", "执法中队"
        MATRIX = "matrix", "矩阵式小组"

    org = models.ForeignKey(Org, verbose_name="所属机构", on_delete=models.PROTECT, related_name="squads")
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.SQUAD)
    members = models.ManyToManyField("accounts.User", verbose_name="成员", blank=True, related_name="squads")
    subjects = models.ManyToManyField("subjects.Subject", verbose_name="负责对象", blank=True,
                                      related_name="squads")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "执法中队/矩阵小组"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name
