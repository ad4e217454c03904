#!/usr/bin/python3
# tests/check-openapi.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the cloud contract: docs/cloud-api.yaml is OpenAPI 3.1 with the conventions
# docs/cloud-api.md promises, and the YAML and the prose describe the same routes.
#
#   check-openapi.py API.yaml API.md [CLIENT_SOURCE_DIR]
#
# With CLIENT_SOURCE_DIR (core/cloud/), every "/v1/..." string literal in its .c files must
# be a route of the YAML as well ("%s" and friends stand for one path segment).
# Prints each problem and exits 1 when there is one.

import os
import re
import sys

import yaml

METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')
PROBLEM_JSON = 'application/problem+json'
# "METHOD /v1/path" as the prose writes it, e.g. "### `POST /v1/jobs`".
PROSE_ROUTE = re.compile(r'\b(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) +(/v1/[^\s`?#)]*)')
C_PATH = re.compile(r'"(/v1/[^"?]*)')

problems = []


def problem(message):
    problems.append(message)


def pointer(doc, ref):
    """Resolves a local JSON pointer, or returns None."""
    if not ref.startswith('#/'):
        return None
    node = doc
    for part in ref[2:].split('/'):
        part = part.replace('~1', '/').replace('~0', '~')
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def walk_refs(doc, node, where):
    if isinstance(node, dict):
        ref = node.get('$ref')
        if isinstance(ref, str) and pointer(doc, ref) is None:
            problem(f'{where}: $ref {ref} does not resolve')
        for key, value in node.items():
            walk_refs(doc, value, f'{where}/{key}')
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk_refs(doc, value, f'{where}/{i}')


def walk_flow_commas(node, where):
    """An unquoted comma inside a flow mapping ({description: a, b}) silently makes "b" a key
    with no value; real keys here never hold a space."""
    if isinstance(node, dict):
        for key, value in node.items():
            if value is None and ' ' in str(key):
                problem(f'{where}: key {key!r} has no value (an unquoted comma in a {{...}}?)')
            walk_flow_commas(value, f'{where}/{key}')
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk_flow_commas(value, f'{where}/{i}')


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and '$ref' in node and seen < 16:
        node = pointer(doc, node['$ref'])
        seen += 1
    return node if isinstance(node, dict) else {}


def parameters(doc, path_item, operation):
    params = []
    for p in path_item.get('parameters', []) + operation.get('parameters', []):
        params.append(deref(doc, p))
    return params


def check_operation(doc, path, method, path_item, op, operation_ids):
    where = f'{method.upper()} {path}'
    op_id = op.get('operationId')
    if not op_id:
        problem(f'{where}: no operationId')
    elif op_id in operation_ids:
        problem(f'{where}: operationId {op_id} is also used by {operation_ids[op_id]}')
    else:
        operation_ids[op_id] = where

    responses = op.get('responses')
    if not isinstance(responses, dict) or not responses:
        problem(f'{where}: no responses')
        return
    client_errors = [code for code in responses if str(code).upper().startswith('4')]
    if not client_errors:
        problem(f'{where}: no 4xx response')
    for code in client_errors:
        response = deref(doc, responses[code])
        # A response to HEAD has no body (RFC 9110 §9.3.2): it only has to be declared.
        if method == 'head':
            continue
        if PROBLEM_JSON not in (response.get('content') or {}):
            problem(f'{where}: response {code} is not {PROBLEM_JSON}')

    names = {(p.get('in'), str(p.get('name', '')).lower()): p for p in parameters(doc, path_item, op)}
    if method == 'post':
        key = names.get(('header', 'idempotency-key'))
        if key is None:
            problem(f'{where}: no Idempotency-Key header parameter')
        elif key.get('required') is not True:
            problem(f'{where}: Idempotency-Key is not required')
    if ('header', 'atomform-api-version') not in names:
        problem(f'{where}: no AtomForm-API-Version header parameter')
    for name in re.findall(r'{([^}]+)}', path):
        if ('path', name.lower()) not in names:
            problem(f'{where}: path parameter {name} is not declared')


def yaml_routes(doc):
    routes = set()
    operation_ids = {}
    paths = doc.get('paths')
    if not isinstance(paths, dict) or not paths:
        problem('no paths')
        return routes
    for path, item in paths.items():
        item = deref(doc, item)
        ops = [m for m in METHODS if m in item]
        if not ops:
            problem(f'{path}: no operations')
        for method in ops:
            routes.add((method.upper(), path))
            check_operation(doc, path, method, item, item[method], operation_ids)
    return routes


def template_regex(path):
    return re.compile('^' + re.sub(r'\\{[^}]+\\}', '[^/]+', re.escape(path)) + '$')


def check_client(client_dir, routes):
    templates = [template_regex(path) for _, path in routes]
    checked = 0
    for root, _, files in os.walk(client_dir):
        for name in sorted(files):
            if not name.endswith('.c'):
                continue
            with open(os.path.join(root, name), encoding='utf-8') as f:
                for used in C_PATH.findall(f.read()):
                    used = re.sub(r'%[-0-9.]*[a-zA-Z]+', 'x', used).rstrip('/')
                    checked += 1
                    if not any(t.match(used) for t in templates):
                        problem(f'{name}: calls {used}, which docs/cloud-api.yaml does not have')
    print(f'# {checked} client route(s) checked in {client_dir}')


def main(argv):
    if len(argv) not in (3, 4):
        print(f'usage: {argv[0]} API.yaml API.md [CLIENT_SOURCE_DIR]', file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding='utf-8') as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        print(f'{argv[1]}: does not parse: {e}')
        return 1
    if not isinstance(doc, dict):
        print(f'{argv[1]}: not a mapping')
        return 1

    if not re.fullmatch(r'3\.1\.\d+', str(doc.get('openapi', ''))):
        problem(f'openapi is {doc.get("openapi")!r}, not 3.1.x')
    walk_refs(doc, doc, '#')
    walk_flow_commas(doc, '#')
    routes = yaml_routes(doc)

    with open(argv[2], encoding='utf-8') as f:
        prose = {(m, p.rstrip('/')) for m, p in PROSE_ROUTE.findall(f.read())}
    for method, path in sorted(routes - prose):
        problem(f'{method} {path} is in the YAML but not described in {argv[2]}')
    # Examples in the prose may fill in ids ("PATCH /v1/printers/prn_Hk29d").
    templates = [(m, template_regex(p)) for m, p in routes]
    for method, path in sorted(prose - routes):
        if not any(m == method and t.match(path) for m, t in templates):
            problem(f'{method} {path} is in {argv[2]} but not in the YAML')

    if len(argv) == 4:
        if os.path.isdir(argv[3]):
            check_client(argv[3], routes)
        else:
            print(f'# no client sources in {argv[3]} yet')

    for message in problems:
        print(message)
    print(f'# {len(routes)} routes, {len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
