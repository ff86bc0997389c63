"""The HTML report of a scan (`OUT/report.html`, `trustmap report OUT/`): `render.write_report` builds it
from the artifacts alone; `history` keeps the small run history beside the lifecycle state."""
