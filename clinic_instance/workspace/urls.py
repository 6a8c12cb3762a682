"""The workspace's addresses, under /workspace/. Each area keeps its own list."""

from django.urls import path

from . import (
    account_views,
    agenda_urls,
    appointment_urls,
    auth_views,
    message_template_urls,
    outbox_urls,
    patient_urls,
    schedule_urls,
    staff_views,
    waitlist_urls,
)

app_name = "workspace"

urlpatterns = [
    path("", auth_views.home, name="home"),
    path("login/", auth_views.login_view, name="login"),
    path("login/code/", auth_views.second_factor, name="login-code"),
    path("login/set-up/", auth_views.enroll, name="login-enroll"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("invitation/<str:token>/", auth_views.accept_invitation, name="invitation"),
    path("account/", account_views.account, name="account"),
    path("account/password/", account_views.change_password, name="password"),
    path("account/authenticator/", account_views.replace_authenticator, name="authenticator"),
    path("account/recovery-codes/", account_views.new_recovery_codes, name="new-recovery-codes"),
    path("account/sign-out-elsewhere/", account_views.sign_out_elsewhere, name="sign-out-elsewhere"),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/invite/", staff_views.invite, name="staff-invite"),
    path("staff/invitations/<int:invite_id>/revoke/", staff_views.revoke_invite, name="staff-invite-revoke"),
    path("staff/<int:member_id>/", staff_views.edit_member, name="staff-member"),
    *agenda_urls.urlpatterns,
    *appointment_urls.urlpatterns,
    *patient_urls.urlpatterns,
    *schedule_urls.urlpatterns,
    *waitlist_urls.urlpatterns,
    *outbox_urls.urlpatterns,
    *message_template_urls.urlpatterns,
]
