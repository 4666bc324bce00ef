from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "kehu.learning"
    label = "learning"
