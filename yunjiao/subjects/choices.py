"""Code tables for the subject record (domain.md §3; codes follow the public reference systems)."""

from django.db import models


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Category(models.TextChoices):
    SURVEILLANCE = "surveillance", "管制"
    PROBATION = "probation", "缓刑"
    PAROLE = "parole", "假释"
    TEMPORARY_RELEASE = "temporary_release", "暂予监外执行"


class TemporaryReleaseType(models.TextChoices):
    MEDICAL_PAROLE = "medical_parole", "保外就医"
    PREGNANCY_NURSING = "pregnancy_nursing", "怀孕或正在哺乳自己婴儿"
    SELF_CARE_INCAPABLE = "self_care_incapable", "生活不能自理"


class SupervisionLevel(models.TextChoices):
    STRICT = "strict", "严管"
    NORMAL = "normal", "普管"
    LENIENT = "lenient", "宽管"


class RiskLevel(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class Status(models.TextChoices):
    """Derived from the processes (workflows), never edited by hand."""

    PENDING_INTAKE = "pending_intake", "待接收"
    IN_CORRECTION = "in_correction", "在矫"
    ON_LEAVE = "on_leave", "外出中"
    LOST_CONTACT = "lost_contact", "脱管"
    SUSPENDED = "suspended", "暂停"
    DISCHARGED = "discharged", "已解除"
    TERMINATED = "terminated", "已终止"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO = "hk_macao", "回乡证"
    TAIWAN = "taiwan", "台胞证"


class Nationality(models.TextChoices):
    MAINLAND = "0101", "中国(大陆)"
    HONG_KONG = "0102", "中国香港"
    MACAO = "0103", "中国澳门"
    TAIWAN = "0104", "中国台湾"
    FOREIGN = "02", "外国籍"
    STATELESS = "03", "无国籍"


class HouseholdType(models.TextChoices):
    RURAL = "01", "乡村"
    URBAN = "02", "城镇"


class Education(models.TextChoices):
    ILLITERATE = "01", "文盲"
    PRIMARY = "02", "小学"
    JUNIOR = "03", "初中"
    SENIOR = "04", "高中"
    VOCATIONAL = "05", "中专/职高"
    COLLEGE = "06", "大专"
    BACHELOR = "07", "本科"
    POSTGRADUATE = "08", "研究生"
    OTHER = "99", "其他"


class MaritalStatus(models.TextChoices):
    SINGLE = "01", "未婚"
    MARRIED = "02", "已婚"
    DIVORCED = "03", "离异"
    WIDOWED = "04", "丧偶"
    OTHER = "99", "其他"


class PoliticalStatus(models.TextChoices):
    PARTY = "party", "中共党员"
    LEAGUE = "league", "共青团员"
    MASSES = "masses", "群众"
    DEMOCRATIC = "democratic", "民主党派"
    NON_PARTY = "non_party", "无党派人士"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "就业"
    UNEMPLOYED = "unemployed", "无业"
    STUDENT = "student", "就学"


class CrimeType(models.TextChoices):
    """Grouped by chapter of Part II of the Criminal Law (R1 code table)."""

    STATE_SECURITY = "01", "危害国家安全罪"
    PUBLIC_SECURITY = "02", "危害公共安全罪"
    ECONOMIC_ORDER = "03", "破坏社会主义市场经济秩序罪"
    PERSON_RIGHTS = "04", "侵犯公民人身权利、民主权利罪"
    PROPERTY = "05", "侵犯财产罪"
    SOCIAL_ORDER = "06", "妨害社会管理秩序罪"
    NATIONAL_DEFENCE = "07", "危害国防利益罪"
    CORRUPTION = "08", "贪污贿赂罪"
    DERELICTION = "09", "渎职罪"
    OTHER = "99", "其他"


class OriginalPenalty(models.TextChoices):
    SUSPENDED_DEATH = "01", "死缓"
    LIFE = "02", "无期徒刑"
    FIXED_TERM = "03", "有期徒刑"
    CRIMINAL_DETENTION = "04", "拘役"
    SURVEILLANCE = "05", "管制"


class AuthorityType(models.TextChoices):
    COURT = "court", "人民法院"
    PRISON_ADMIN = "prison_admin", "监狱管理机关"
    POLICE = "police", "公安机关"


class ReportType(models.TextChoices):
    ON_TIME = "on_time", "在规定时限内报到"
    LATE = "late", "超出规定时限报到"
    NOT_REPORTED = "not_reported", "未报到且下落不明"


class ReceptionMethod(models.TextChoices):
    SELF = "self", "自行报到"
    ESCORTED = "escorted", "押送"


class ProhibitionKind(models.TextChoices):
    ACTIVITY = "activity", "禁止从事特定活动"
    AREA = "area", "禁止进入特定区域、场所"
    PERSON = "person", "禁止接触特定的人"


class TeamRole(models.TextChoices):
    LEADER = "leader", "组长(司法所工作人员)"
    OFFICER = "officer", "社区矫正工作人员"
    VILLAGE = "village", "村(居)委会人员"
    FAMILY = "family", "家庭成员/监护人"
    EMPLOYER = "employer", "所在单位/学校人员"
    SOCIAL_WORKER = "social_worker", "社会工作者"
    VOLUNTEER = "volunteer", "志愿者"
    POLICE = "police", "民警"
