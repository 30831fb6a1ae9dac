terraform {
  # 1.10 introduced S3-native state locking (use_lockfile); 1.11 made it generally available.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: the pipeline passes bucket, key and region with -backend-config,
  # so one set of files serves every target, each with its own state key.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
