from .catalog import NeedSerializer, OrganizationSerializer, ToolSerializer

__all__ = ["NeedSerializer", "OrganizationSerializer", "ToolSerializer"]
