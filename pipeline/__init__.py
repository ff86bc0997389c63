"""Pipeline: the Typer CLI (`trustmap`) and the Ray batch job over an AWS Organization.

Nothing is imported here. Importing `pipeline.cli` must not load Ray, Z3 or boto3;
heavy modules are imported inside the commands that need them.
"""
