"""The alliance's resource platform (院企资源交互数字平台), installation-wide under ``/platform``.

One installation runs the alliance's event every year; the platform spans them. It gathers what
the events already hold (find a PI, the demand board, the exhibitors, the signing ledgers) and adds
three modules of its own:

- ``policies``: 汇政策, the policy hub (reviewed entries, search, related PIs/demands/exhibitors,
  the targeted push to organisations whose interests match, policy-interpretation sessions);
- ``results``: 看成效, outcomes per hospital and company from the ledgers of the alliance's
  events (counted entries only, each figure traceable), corridor achievements, clinical trials;
- ``reports``: 院企合作巡礼, the column of articles (Markdown rendered without raw HTML).

``search`` is the one box on the platform's home page across all of them.
"""
