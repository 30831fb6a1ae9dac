output "instance_id" {
  description = "The workload instance."
  value       = aws_instance.workload.id
}

output "instance_profile_arn" {
  description = "The workload instance profile."
  value       = aws_iam_instance_profile.instance.arn
}
