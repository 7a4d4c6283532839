from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


PAGING_PARAMETERS = frozenset({"page", "page_size"})


def only_paging(request, *also: str) -> bool:
    """Whether the list is asked for with no filter or ordering (only paging, and ``also``): the
    case the hot lists answer from their compiled page."""
    return set(request.query_params) <= PAGING_PARAMETERS | set(also)
