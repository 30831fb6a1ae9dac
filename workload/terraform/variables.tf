variable "region" {
  description = "Region of the target account to deploy into."
  type        = string
}

variable "account_id" {
  description = "The target account. The provider refuses to touch any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "name_prefix" {
  description = "Prefix of the physical names."
  type        = string
}

variable "instance_profile_name" {
  description = "The instance profile the target stack created; its role is the only one the deploy role may pass."
  type        = string
}

variable "workload_tag_key" {
  description = "Tag key that marks the workload; the deploy role may only change instances that carry it."
  type        = string
}

variable "workload_tag" {
  description = "Value of the workload tag."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the instance."
  type        = string

  validation {
    condition     = can(regex("^subnet-[0-9a-f]{8,17}$", var.subnet_id))
    error_message = "subnet_id must be 'subnet-' followed by 8 to 17 hex digits."
  }
}

variable "security_group_id" {
  description = "Security group of the instance."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]{8,17}$", var.security_group_id))
    error_message = "security_group_id must be 'sg-' followed by 8 to 17 hex digits."
  }
}

variable "instance_type" {
  description = "EC2 instance type; the deploy role allows only this one."
  type        = string
}

variable "ami_parameter" {
  description = "Public SSM parameter holding the AMI id, read when the instance is first created."
  type        = string
}

variable "ami_id" {
  description = "An exact AMI; empty to take the parameter's AMI once. Changing it replaces the instance."
  type        = string
  default     = ""

  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be empty or 'ami-' followed by 8 to 17 hex digits."
  }
}
