from django.urls import path

from yunjiao.documents import views

app_name = "documents"

urlpatterns = [
    path("subject/<int:pk>/", views.SubjectDocumentsView.as_view(), name="subject_documents"),
    path("subject/<int:pk>/new/<str:code>/", views.GenerateDocumentView.as_view(), name="generate"),
    path("subject/<int:pk>/file/<str:archive>/", views.CaseFileView.as_view(), name="case_file"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="detail"),
    path("<int:pk>/docx/", views.DocumentFileView.as_view(kind="docx"), name="download"),
    path("<int:pk>/pdf/", views.DocumentFileView.as_view(kind="pdf"), name="pdf"),
    path("<int:pk>/regenerate/", views.RegenerateView.as_view(), name="regenerate"),
    path("<int:pk>/complete/", views.CompleteDocumentView.as_view(), name="complete"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<str:code>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<str:code>/download/", views.TemplateDownloadView.as_view(), name="template_download"),
    path("templates/<str:code>/activate/", views.TemplateActivateView.as_view(), name="template_activate"),
]

urlpatterns += [
    path("exports/", views.ExportListView.as_view(), name="exports"),
    path("exports/<int:pk>/row/", views.ExportStatusView.as_view(), name="export_row"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
]
