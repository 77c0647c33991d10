from django.urls import path

from yunjiao.subjects import views

app_name = "subjects"

urlpatterns = [
    path("", views.SubjectListView.as_view(), name="list"),
    path("new/", views.SubjectCreateView.as_view(), name="create"),
    path("suggest/", views.PinyinSuggestView.as_view(), name="suggest"),
    path("<int:pk>/", views.SubjectDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SubjectUpdateView.as_view(), name="edit"),
    path("<int:pk>/photo/", views.SubjectPhotoView.as_view(), name="photo"),
]
