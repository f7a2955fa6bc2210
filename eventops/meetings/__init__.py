"""The negotiation zone: one-to-one meetings between participants.

- :mod:`.solver` is the scheduler itself (pure Python, its own public API);
- the zone around it: :mod:`.models` (slots, tables, brokers, requests, meetings, the programme),
  :mod:`.zone` (setting the zone up, requests and answers), :mod:`.scheduling` (the schedule
  button, manual changes, announcements), :mod:`.ical` and :mod:`.outputs` (calendars, PDFs),
  :mod:`.views` (the pages) and :mod:`.cli` (``flask meetings solve``).
"""
