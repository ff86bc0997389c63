"""CloudTrail log readers: local files and folders (`files`), a trail's S3 bucket (`s3`), and the
LookupEvents API (`lookup`). Each yields records one log file (or one page) at a time, so memory stays
flat however many files a source holds. Nothing heavy is imported here.
"""
