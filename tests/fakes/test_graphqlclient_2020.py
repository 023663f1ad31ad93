"""The 2020 tutorial's raw GraphQL through `graphqlclient` (urllib, a real socket), verbatim shapes."""

from __future__ import annotations

import json
import urllib.error

import pytest
from graphqlclient import GraphQLClient

from .conftest import API_KEY, make_pool


def _gql(fake):
    c = GraphQLClient(fake.graphql_url)
    c.inject_token(f"Bearer {API_KEY}")
    return c


def test_create_labeling_frontend(server):
    c = _gql(server)
    mutation = '''
        mutation CreateLabelingFrontend($name: String!) {
          createLabelingFrontend(data: {
            description: "Classify sentiment as positive or negative",
            iframe_url_path: "https://classification.labelbox.com",
            name: $name
          }){
            id
          }
        }
    '''
    response = json.loads(c.execute(mutation, {"name": "sentiment-frontend"}))
    fid = response["data"]["createLabelingFrontend"]["id"]
    frontend = server.state.frontends[fid]
    assert (frontend.name, frontend.iframe_url_path) == ("sentiment-frontend", "https://classification.labelbox.com")


def test_tutorial_verbatim_frontend_mutation_is_invalid_graphql(server):
    """The notebook uses `$name` without declaring it; a GraphQL server rejects that, and so does the fake."""
    c = _gql(server)
    with pytest.raises(urllib.error.HTTPError) as err:
        c.execute('''mutation CreateLabelingFrontend { createLabelingFrontend(data: {
            description: "d", iframe_url_path: "https://x", name: $name }){ id } }''', {"name": "n"})
    assert err.value.code == 400


def test_set_and_fetch_overrides_2020_shapes(server):
    client = server.client()
    project, dataset, keys = make_pool(client, 12)
    uids = [r.uid for r in dataset.data_rows()]
    prioritized, rest = uids[:3], uids[3:]
    rows = [f'{{dataRow: {{id: "{u}"}}, priority: 1, numLabels: 1}}' for u in prioritized]
    rows += [f'{{dataRow: {{id: "{u}"}}, priority: 2, numLabels: 1}}' for u in rest]
    c = _gql(server)
    response = c.execute(f'''
        mutation setLabelingParameterOverrides {{
          project(where: {{ id: "{project.uid}" }}) {{
            setLabelingParameterOverrides(data: [
                {','.join(rows)}
            ]) {{
              success
            }}
          }}
        }}
    ''')
    body = json.loads(response)
    assert not body.get("errors") and body["data"]["project"]["setLabelingParameterOverrides"]["success"] is True

    response = c.execute(f'''
        query pullLabelingParameters{{
          project(where: {{id: "{project.uid}"}}) {{
            labelingParameterOverrides{{
              id
              priority
            }}
          }}
        }}
    ''')
    overrides = json.loads(response)["data"]["project"]["labelingParameterOverrides"]
    assert len(overrides) == 12 and sorted(o["priority"] for o in overrides) == [1] * 3 + [2] * 9
    assert {q["data_row_id"] for q in server.queue(project.uid)[:3]} == set(prioritized)


def test_graphqlclient_wrong_key_gets_authentication_error(server, capsys):
    c = GraphQLClient(server.graphql_url)
    c.inject_token("Bearer wrong")
    with pytest.raises(urllib.error.HTTPError) as err:
        c.execute("{ user { id } }")
    assert err.value.code == 401
    assert "AUTHENTICATION_ERROR" in capsys.readouterr().out  # graphqlclient prints the body, then re-raises
