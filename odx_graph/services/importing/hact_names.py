"""The names of the HACT v3.3 work-order schemas the reader knows, in the schemas'
spelling: the root properties of each kind (which also tell a bare object's kind) and the
properties of nested objects it reads or drops for privacy."""

from __future__ import annotations

RAISE_REPAIR = "RaiseRepair"
WORK_ORDER_COMPLETE = "WorkOrderComplete"
JOB_STATUS_UPDATE = "JobStatusUpdate"
KINDS = (RAISE_REPAIR, WORK_ORDER_COMPLETE, JOB_STATUS_UPDATE)

# The root properties of each kind (from its schema), which also tell a bare object's kind.
RAISE_PROPERTIES = frozenset(
    (
        "DescriptionOfWork",
        "EstimatedLaborHours",
        "Priority",
        "WorkClass",
        "WorkType",
        "ParkingArrangements",
        "WorkElement",
        "LocationOfRepair",
        "AccessInformation",
        "PersonAlert",
        "LocationAlert",
        "DateReported",
        "SitePropertyUnit",
    )
)
COMPLETE_PROPERTIES = frozenset(
    (
        "WorkOrderReference",
        "BillOfMaterialItem",
        "CompletedWorkElements",
        "OperativesUsed",
        "JobStatusUpdates",
        "FollowOnWorkOrderReference",
    )
)
UPDATE_PROPERTIES = frozenset(
    (
        "RelatedWorkOrderReference",
        "RelatedWorkElementReference",
        "EventTime",
        "TypeCode",
        "OtherType",
        "OperativesAssigned",
        "RefinedAppointmentWindow",
        "CustomerFeedback",
        "CustomerCommunicationChannelAttempted",
        "Comments",
        "MoreSpecificSORCode",
        "Evidence",
        "AdditionalWork",
    )
)
# The properties of nested objects the reader looks at or drops for privacy.
NESTED_PROPERTIES = frozenset(
    (
        "PriorityCode",
        "RequiredCompletionDateTime",
        "WorkClassCode",
        "WorkClassDescription",
        "Address",
        "Reference",
        "ID",
        "AllocatedBy",
        "Description",
        "Trade",
        "Code",
        "CustomCode",
        "CustomName",
        "RateScheduleItem",
        "M3NHFSORCode",
        "Quantity",
        "Amount",
        "UnitOfMeasurementCode",
        "BuildingNumber",
        "BuildingName",
        "StreetName",
        "CityName",
        "PostalCode",
        "AddressLine",
        "Room",
        "Floor",
        "Plot",
        "Postbox",
        "Department",
        "ComplexName",
        "Country",
        "Type",
        "Keysafe",
        "DependsOn",
        "ServiceChargeSubject",
        "ContainsCapitalWork",
    )
)
# Every name of the three schemas the reader knows, in the schemas' spelling; other keys
# are left as they are (and so are ignored).
SCHEMA_NAMES = (
    frozenset(KINDS)
    | RAISE_PROPERTIES
    | COMPLETE_PROPERTIES
    | UPDATE_PROPERTIES
    | NESTED_PROPERTIES
)
# Properties odx-graph adds where the schemas allow more (see odx_graph.services.hact_export).
EXTENSION_NAMES = frozenset(["DerivedFromPriority"])
