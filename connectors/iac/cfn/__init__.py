"""CloudFormation templates: value resolution (`resolve`, `arns`), property shapes (`props`), and one module
per family of policy-carrying resources (`identity`, `resources`, `lambda_perm`), walked by `extract`."""
