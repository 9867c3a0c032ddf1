#!/usr/bin/env python3
"""Writes grafana/dashboards/*.json. The JSON files are the source Terraform and Grafana provisioning read;
this script only keeps their repetitive panel boilerplate consistent: edit it and rerun, or edit the JSON."""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
HERE = os.path.dirname(os.path.abspath(__file__))


def target(expr, legend, ref):
    return {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def timeseries(pid, title, x, y, targets, unit, description, w=12, h=8, stack=False):
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                           "stacking": {"mode": "normal" if stack else "none", "group": "A"}},
            },
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
        "targets": [target(e, l, chr(ord("A") + i)) for i, (e, l) in enumerate(targets)],
    }


def stat(pid, title, x, y, expr, unit, description, w=6, h=4, thresholds=None):
    steps = thresholds or [{"color": "green", "value": None}]
    return {
        "id": pid,
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
                        "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "value", "graphMode": "area", "justifyMode": "auto", "textMode": "auto"},
        "targets": [target(expr, title, "A")],
    }


def dashboard(uid, title, description, panels, tags):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "hide": 0, "refresh": 1, "skipUrlSync": False},
            {"name": "job", "label": "API job", "type": "custom", "query": "shortener-api", "hide": 2,
             "current": {"text": "shortener-api", "value": "shortener-api"},
             "options": [{"text": "shortener-api", "value": "shortener-api", "selected": True}],
             "skipUrlSync": False},
        ]},
        "panels": panels,
    }


api = 'job="$job"'
overview = dashboard(
    "shortener-overview", "URL shortener: overview",
    "Redirect latency, click rate, errors, click queue and cache (metrics from src/; see docs/runbook.md).",
    [
        stat(1, "Redirects/s", 0, 0, f'sum(rate(shortener_redirect_duration_seconds_count{{{api}}}[5m]))', "reqps",
             "Redirects answered per second, all API pods."),
        stat(2, "Redirect p99", 6, 0,
             f'histogram_quantile(0.99, sum by (le) (rate(shortener_redirect_duration_seconds_bucket{{{api}}}[5m])))',
             "s", "99th percentile redirect latency (request complete to response queued). Target 50 ms.",
             thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.025},
                         {"color": "red", "value": 0.05}]),
        stat(3, "5xx ratio", 12, 0,
             f'sum(rate(shortener_http_responses_total{{{api},class="5xx"}}[5m])) / '
             f'clamp_min(sum(rate(shortener_http_responses_total{{{api}}}[5m])), 1e-9)',
             "percentunit", "Share of API responses with a 5xx status (503 while a store is down).",
             thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 0.01}]),
        stat(4, "Clicks dropped (1h)", 18, 0, 'sum(increase(shortener_clicks_dropped_total[1h]))', "short",
             "Clicks lost because an API pod's click buffer was full. Should be 0.",
             thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]),
        timeseries(5, "Redirect latency", 0, 4, [
            (f'histogram_quantile(0.50, sum by (le) (rate(shortener_redirect_duration_seconds_bucket{{{api}}}[5m])))', "p50"),
            (f'histogram_quantile(0.90, sum by (le) (rate(shortener_redirect_duration_seconds_bucket{{{api}}}[5m])))', "p90"),
            (f'histogram_quantile(0.99, sum by (le) (rate(shortener_redirect_duration_seconds_bucket{{{api}}}[5m])))', "p99"),
        ], "s", "shortener_redirect_duration_seconds: from the complete request to the response queued."),
        timeseries(6, "Click rate", 12, 4, [
            ('sum(rate(shortener_clicks_enqueued_total[5m]))', "enqueued (API)"),
            ('sum(rate(shortener_clicks_stored_total[5m]))', "stored (worker)"),
            ('sum(rate(shortener_clicks_duplicate_total[5m]))', "duplicates skipped"),
            ('sum(rate(shortener_clicks_dropped_total[5m]))', "dropped"),
        ], "cps", "Clicks handed to the queue by the APIs and written by the workers."),
        timeseries(7, "Responses by status class", 0, 12, [
            (f'sum by (class) (rate(shortener_http_responses_total{{{api}}}[5m]))', "{{class}}"),
        ], "reqps", "HTTP responses per second by status class.", stack=True),
        timeseries(8, "Error rate", 12, 12, [
            (f'sum(rate(shortener_http_responses_total{{{api},class="5xx"}}[5m])) / '
             f'clamp_min(sum(rate(shortener_http_responses_total{{{api}}}[5m])), 1e-9)', "5xx"),
            (f'sum(rate(shortener_http_responses_total{{{api},class="4xx"}}[5m])) / '
             f'clamp_min(sum(rate(shortener_http_responses_total{{{api}}}[5m])), 1e-9)', "4xx"),
        ], "percentunit", "Share of responses that are errors."),
        timeseries(9, "Click queue", 0, 20, [
            ('sum(shortener_click_queue_depth)', "buffered in API pods"),
            ('sum(shortener_click_journal_clicks)', "in spill journals (Redis down)"),
            ('clamp_min(sum(shortener_clicks_enqueued_total) - sum(shortener_clicks_stored_total) '
             '- sum(shortener_clicks_duplicate_total), 0)', "backlog (enqueued - stored)"),
        ], "short", "Clicks not yet stored. The backlog line compares counters of API and worker processes; "
                    "it is only meaningful while no process has restarted in the window."),
        timeseries(10, "Queue lag", 12, 20, [
            ('max(shortener_click_queue_lag_seconds)', "oldest unprocessed click"),
        ], "s", "Age of the oldest click not yet stored. Needs shortener_click_queue_lag_seconds "
                "(not exported yet, issue #8)."),
        timeseries(11, "Cache hit ratio", 0, 28, [
            ('sum by (level) (rate(shortener_cache_lookups_total{result="hit"}[5m])) / '
             'clamp_min(sum by (level) (rate(shortener_cache_lookups_total[5m])), 1e-9)', "{{level}}"),
        ], "percentunit", "Share of link lookups answered by L1 (in-process) and L2 (Redis). Needs "
                          "shortener_cache_lookups_total{level,result} (not exported yet, issue #8)."),
        timeseries(12, "Cached links and connections", 12, 28, [
            (f'sum(shortener_l1_cache_entries{{{api}}})', "links in L1 caches"),
            (f'sum(shortener_http_connections_active{{{api}}})', "open connections"),
            ('min(shortener_redis_up)', "Redis up (min over pods)"),
        ], "short", "In-process cache size, open client connections, Redis connectivity."),
    ],
    ["url-shortener"],
)

worker = dashboard(
    "shortener-worker", "URL shortener: click worker",
    "Click batches written by `shortener worker` (pushed to the Pushgateway) or by the embedded worker.",
    [
        timeseries(1, "Batch duration", 0, 0, [
            ('histogram_quantile(0.50, sum by (le) (rate(shortener_click_batch_duration_seconds_bucket[5m])))', "p50"),
            ('histogram_quantile(0.99, sum by (le) (rate(shortener_click_batch_duration_seconds_bucket[5m])))', "p99"),
        ], "s", "Time to enrich and store one batch of clicks."),
        timeseries(2, "Clicks stored per second", 12, 0, [
            ('sum(rate(shortener_clicks_stored_total[5m]))', "stored"),
            ('sum(rate(shortener_clicks_duplicate_total[5m]))', "duplicates"),
        ], "cps", "Clicks written (duplicates are replays, skipped idempotently)."),
        timeseries(3, "Batch failures", 0, 8, [
            ('sum(increase(shortener_click_batch_failures_total[5m]))', "failed batches / 5m"),
        ], "short", "Batches that failed to store (retried with backoff; see docs/runbook.md)."),
        timeseries(4, "Batches per second", 12, 8, [
            ('sum(rate(shortener_click_batch_duration_seconds_count[5m]))', "batches"),
        ], "ops", "Batches written per second."),
    ],
    ["url-shortener"],
)

for name, d in (("shortener-overview.json", overview), ("shortener-worker.json", worker)):
    with open(os.path.join(HERE, "dashboards", name), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
