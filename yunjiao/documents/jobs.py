"""huey jobs of the documents app: one-line calls into services, acting as SYSTEM."""

from huey.contrib.djhuey import db_task

from yunjiao.core.actors import SYSTEM
from yunjiao.documents import services


@db_task(retries=1, retry_delay=30)
def render_document_job(document_id: int):
    services.render_document_file(document_id, actor=SYSTEM)


@db_task(retries=1, retry_delay=60)
def convert_pdf_job(document_id: int):
    services.convert_document_pdf(document_id, actor=SYSTEM)


@db_task()
def export_case_files_job(export_id: int):
    services.run_export(export_id, actor=SYSTEM)
