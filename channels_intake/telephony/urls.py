"""URLs of this channel, mounted by occ/urls.py."""

urlpatterns: list = []
