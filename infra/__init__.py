"""Infrastructure definitions that are not part of the Lambda package."""
