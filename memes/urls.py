app_name = "memes"
urlpatterns: list = []
