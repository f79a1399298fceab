"""The site's URLs plus the floor page, for the page benchmark only (its ROOT_URLCONF).

The floor is a bare page: logged in, `base.html` rendered through the same middleware and
context processors as every page, nothing of its own. A page's time over the floor's is
what the page itself costs. Never part of the product's URLconf.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from oncall_site.urls import urlpatterns as site_urlpatterns


def floor_page(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [path("_bench/floor/", floor_page, name="bench-floor"), *site_urlpatterns]
