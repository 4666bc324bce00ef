from django.urls import path

from kehu.activities import exporting
from kehu.activities import views as activity_views
from kehu.activities.calendar import events as calendar_events
from kehu.activities.calendar import views as calendar_views
from kehu.activities.my_day import views as my_day_views
from kehu.activities.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("activities/export/", exporting.activity_export, name="activity-export"),
    path("activities/add/", activity_views.quick_add, name="activity-quick-add"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/done/", activity_views.activity_done, name="activity-done"),
    path("activities/<int:pk>/follow-up/", activity_views.follow_up, name="activity-follow-up"),
    path("activities/<int:pk>/delete/", activity_views.activity_delete, name="activity-delete"),
    path("activities/<int:pk>/restore/", activity_views.activity_restore, name="activity-restore"),
    path("activities/<int:pk>/privacy/", activity_views.activity_privacy, name="activity-privacy"),
    path(
        "activities/on/<str:target>/<int:pk>/timeline/",
        activity_views.record_timeline,
        name="activity-timeline",
    ),
    path(
        "activities/on/<str:target>/<int:pk>/<str:kind>/",
        activity_views.log,
        name="activity-log",
    ),
    # my day (kehu/activities/my_day/views.py)
    path("my-day/", my_day_views.my_day_page, name="my-day"),
    path("my-day/tasks/<int:pk>/done/", my_day_views.my_day_done, name="my-day-done"),
    path(
        "my-day/tasks/<int:pk>/reschedule/",
        my_day_views.my_day_reschedule,
        name="my-day-reschedule",
    ),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/events/", calendar_events.calendar_events, name="calendar-events"),
    path(
        "calendar/events/new/", calendar_events.calendar_event_create, name="calendar-event-create"
    ),
    path(
        "calendar/events/<int:pk>/move/",
        calendar_events.calendar_event_move,
        name="calendar-event-move",
    ),
    path("calendar/pick/", calendar_events.calendar_pick, name="calendar-pick"),
    path("calendar/subscribe/", calendar_views.calendar_subscribe, name="calendar-subscribe"),
    path(
        "calendar/subscribe/revoke/",
        calendar_views.calendar_unsubscribe,
        name="calendar-unsubscribe",
    ),
    path("calendar/feed/<str:secret>.ics", calendar_views.calendar_feed, name="calendar-feed"),
]
