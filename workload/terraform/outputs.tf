output "instance_id" {
  description = "The workload instance."
  value       = aws_instance.workload.id
}

output "ami_id" {
  description = "The AMI the instance runs."
  value       = aws_instance.workload.ami
}
