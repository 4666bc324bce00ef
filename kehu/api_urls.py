from kehu.api import api

urlpatterns = api.urls[0]
