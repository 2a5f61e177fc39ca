urlpatterns: list = [
    # section A
    # section B
    # section C
]
