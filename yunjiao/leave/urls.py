from django.urls import path

from yunjiao.leave import views

app_name = "leave"

# mounted at /leave/
urlpatterns = [
    path("", views.LeaveListView.as_view(), name="list"),
    path("new/", views.LeaveCreateView.as_view(), name="new"),
    path("<int:pk>/", views.LeaveDetailView.as_view(), name="detail"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("travel/", views.TravelView.as_view(), name="travel"),
    path("transfers/", views.TransferListView.as_view(), name="transfers"),
    path("transfers/new/", views.TransferCreateView.as_view(), name="transfer_new"),
    path("transfers/<int:pk>/reply/", views.ConsultationReplyView.as_view(), name="transfer_reply"),
    path("subject/<int:pk>/", views.SubjectTabView.as_view(), name="subject_tab"),
    path("m/", views.PortalLeaveListView.as_view(), name="portal_list"),
    path("m/new/", views.PortalLeaveCreateView.as_view(), name="portal_new"),
    path("m/<int:pk>/", views.PortalLeaveDetailView.as_view(), name="portal_detail"),
    path("m/attachments/<int:pk>/", views.PortalAttachmentView.as_view(), name="portal_attachment"),
]
