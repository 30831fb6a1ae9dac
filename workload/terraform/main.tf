provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = {
      (var.workload_tag_key) = var.workload_tag
      ManagedBy              = "cross-account-pipeline/terraform"
    }
  }
}

data "aws_ssm_parameter" "ami" {
  name = var.ami_parameter
}

# An explicit AMI (cross-account-pipeline:amiId) replaces the instance when it changes; without one,
# the instance keeps the AMI it was created from, whatever the public parameter names later.
resource "terraform_data" "ami_pin" {
  input = var.ami_id
}

resource "aws_instance" "workload" {
  ami           = var.ami_id != "" ? var.ami_id : nonsensitive(data.aws_ssm_parameter.ami.value)
  instance_type = var.instance_type
  subnet_id     = var.subnet_id
  # The instance profile belongs to the target stack: the deploy role may pass its role to EC2 and
  # cannot create a role of its own.
  iam_instance_profile   = var.instance_profile_name
  vpc_security_group_ids = [var.security_group_id]

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    encrypted = true
  }

  tags = {
    Name                   = "${var.name_prefix}-instance"
    (var.workload_tag_key) = var.workload_tag
  }

  lifecycle {
    ignore_changes       = [ami]
    replace_triggered_by = [terraform_data.ami_pin]
  }
}
