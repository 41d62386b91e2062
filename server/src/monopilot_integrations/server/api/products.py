"""``/api/technical/products``: read, create, change and (softly) delete products."""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.domain.payloads import product_created
from monopilot_integrations.core.domain.products import NewProduct
from monopilot_integrations.core.domain.products import ProductUpdate as StoreProductUpdate
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    caller,
    domain_errors,
    not_found,
    path_id,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.products import (
    ProductCreate,
    ProductList,
    ProductOut,
    ProductQuery,
    ProductUpdate,
)
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body, parse_query

BASE = "/api/technical/products"


def _duplicate(code: str) -> Problem:
    return Problem(
        409,
        f"a product with code {code!r} already exists",
        errors=[{"location": "body", "path": "/code", "message": "already in use"}],
    )


async def list_products(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, ProductQuery)
    page = await c.store.list_products(
        c.org,
        search=query.q,
        active=query.active,
        updated_since=query.updated_since,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(ProductList.model_validate(page))


async def get_product(request: web.Request) -> web.Response:
    c = caller(request)
    product_id = path_id(request, "product")
    product = await c.store.get_product(c.org, product_id)
    if product is None:
        raise not_found("product", product_id)
    return json_response(ProductOut.model_validate(product))


async def create_product(request: web.Request) -> web.Response:
    """Insert the product and publish ``product.created`` in one transaction."""
    c = caller(request)
    body = await parse_body(request, ProductCreate)
    with domain_errors(conflict=f"a product with code {body.code!r} already exists"):
        async with c.kernel.session(c.org) as s:
            if await c.store.find_product_by_code(c.org, body.code, session=s) is not None:
                raise _duplicate(body.code)
            product = await c.store.create_product(
                c.org, NewProduct(**body.model_dump()), session=s
            )
            await c.kernel.publish(c.org, "product.created", product_created(product), session=s)
    response = json_response(ProductOut.model_validate(product), status=201)
    response.headers["Location"] = f"{BASE}/{product.id}"
    return response


async def update_product(request: web.Request) -> web.Response:
    """Change the fields sent; a request that changes nothing leaves ``updated_at`` alone."""
    c = caller(request)
    product_id = path_id(request, "product")
    body = await parse_body(request, ProductUpdate)
    sent = body.sent()
    with domain_errors(conflict=f"a product with code {sent.get('code')!r} already exists"):
        async with c.kernel.session(c.org) as s:
            product = await c.store.get_product(c.org, product_id, session=s)
            if product is None:
                raise not_found("product", product_id)
            changes = {k: v for k, v in sent.items() if getattr(product, k) != v}
            if "code" in changes:
                other = await c.store.find_product_by_code(c.org, changes["code"], session=s)
                if other is not None and other.id != product_id:
                    raise _duplicate(changes["code"])
            if changes:
                product = await c.store.update_product(
                    c.org, product_id, StoreProductUpdate(**changes), session=s
                )
    return json_response(ProductOut.model_validate(product))


async def delete_product(request: web.Request) -> web.Response:
    """Deactivate the product: orders and stock keep referring to it."""
    c = caller(request)
    product_id = path_id(request, "product")
    with domain_errors():
        await c.store.delete_product(c.org, product_id)
    return web.Response(status=204)


TAGS = ("products",)

ROUTES = [
    Route(
        "GET",
        BASE,
        list_products,
        name="products.list",
        scope="read:products",
        summary="List products (text search, active, updated since)",
        tags=TAGS,
        query_model=ProductQuery,
        response_model=ProductList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_product,
        name="products.get",
        scope="read:products",
        summary="One product (active or deleted)",
        tags=TAGS,
        response_model=ProductOut,
        responses=errors(404),
    ),
    Route(
        "POST",
        BASE,
        create_product,
        name="products.create",
        status_code=201,
        scope="write:products",
        summary="Create a product; publishes product.created",
        tags=TAGS,
        request_model=ProductCreate,
        response_model=ProductOut,
        responses=errors(409, body=True),
    ),
    Route(
        "PUT",
        BASE + "/{id}",
        update_product,
        name="products.update",
        scope="write:products",
        summary="Change a product (only the fields sent)",
        tags=TAGS,
        request_model=ProductUpdate,
        response_model=ProductOut,
        responses=errors(404, 409, body=True),
    ),
    Route(
        "DELETE",
        BASE + "/{id}",
        delete_product,
        name="products.delete",
        status_code=204,
        scope="write:products",
        summary="Delete a product (deactivates it; answers 204)",
        tags=TAGS,
        responses=errors(404),
    ),
]
