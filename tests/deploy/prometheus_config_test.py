#!/usr/bin/python3
"""deploy/prometheus: the scrape config and the alert rules parse, have the
shape Prometheus loads (promtool is not in Debian 12, so the structure is
checked here), and every metric an alert uses is one the chat exports, as
seen in a real scrape of a running stack."""
import os
import re
import sys
import unittest

import yaml
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import SOURCE_DIR, ChatStack  # noqa: E402

PROMETHEUS_DIR = os.path.join(SOURCE_DIR, "deploy", "prometheus")
DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")
PROMQL_WORDS = {"sum", "by", "rate", "increase", "and", "or", "unless", "on", "ignoring",
                "without", "max", "min", "avg", "count", "instance", "pool", "state", "kind",
                "code", "cause", "inf"}


def load(name):
    with open(os.path.join(PROMETHEUS_DIR, name)) as f:
        return yaml.safe_load(f)


class PrometheusConfig(unittest.TestCase):
    def test_scrape_config(self):
        config = load("prometheus.yml")
        self.assertIn("chat-alerts.yml", config["rule_files"])
        jobs = {job["job_name"]: job for job in config["scrape_configs"]}
        self.assertEqual(jobs["chat"]["metrics_path"], "/metrics")
        for static in jobs["chat"]["static_configs"]:
            for target in static["targets"]:
                self.assertRegex(target, r"^[\w.\-\[\]:]+:\d+$")
        for key in ("scrape_interval", "evaluation_interval"):
            self.assertRegex(config["global"][key], DURATION)

    def test_alert_rules_use_exported_metrics(self):
        rules = [rule for group in load("chat-alerts.yml")["groups"] for rule in group["rules"]]
        self.assertGreaterEqual(len(rules), 4)
        names = [rule["alert"] for rule in rules]
        self.assertEqual(len(names), len(set(names)))
        stack = ChatStack().start()
        try:
            status, _, body = stack.request("GET", "/metrics")
            self.assertEqual(status, 200)
        finally:
            stack.stop()
        exported = set()
        for family in text_string_to_metric_families(body.decode()):
            exported.update(sample.name for sample in family.samples)
        for rule in rules:
            with self.subTest(rule["alert"]):
                self.assertRegex(rule["alert"], r"^[A-Z][A-Za-z0-9]+$")
                self.assertIn(rule["labels"]["severity"], ("warning", "critical"))
                self.assertTrue(rule["annotations"]["summary"])
                if "for" in rule:
                    self.assertRegex(rule["for"], DURATION)
                expr = rule["expr"]
                self.assertEqual(expr.count("("), expr.count(")"))
                self.assertEqual(expr.count("{"), expr.count("}"))
                # Identifiers outside label matchers are metric names or PromQL.
                bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", expr)
                metrics = {word for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare)
                           if word not in PROMQL_WORDS}
                self.assertTrue(metrics, expr)
                for metric in metrics:
                    self.assertIn(metric, exported, "%s uses %s, which the chat does not export"
                                  % (rule["alert"], metric))


if __name__ == "__main__":
    unittest.main(verbosity=2)
