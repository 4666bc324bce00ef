from kehu.api import api

app_name = api.urls_namespace  # the namespace ninja reverses its docs and schema URLs in
urlpatterns = api.urls[0]
