"""Clusters API: supervisors list the campaigns (complaints joined by shared indicators) and open
one with its indicators and complaints."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from complaints.permissions import IsStaff
from occ.api.errors import ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView

from . import access, clusters
from .api import IndicatorLinkedOut, LinkedComplaintOut


class ClusterRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    victims = serializers.IntegerField()
    complaints = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    total_lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    first = serializers.DateTimeField(allow_null=True)
    latest = serializers.DateTimeField(allow_null=True)

    def get_complaints(self, obj) -> int:
        return len(obj.complaint_ids)

    def get_indicators(self, obj) -> int:
        return len(obj.indicator_ids)


class ClusterPageOut(serializers.Serializer):
    """One page of clusters: how many there are in all, and this page's rows."""

    count = serializers.IntegerField()
    results = ClusterRowOut(many=True)


class ClusterFilters(StrictSerializer):
    order = serializers.ChoiceField(choices=["victims", "loss", "latest"], required=False, default="victims")
    since = serializers.DateField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)


class ClusterListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_cluster_list",
        parameters=[ClusterFilters],
        responses={200: ClusterPageOut, 404: ErrorResponseSerializer},
    )
    def get(self, request):
        access.require(request.user, access.Need.SUPERVISE)
        params = ClusterFilters(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        p = params.validated_data
        found = clusters.cluster_list(actor=request.user, order=p["order"], since=p.get("since"))
        page = found[p["offset"] : p["offset"] + p["limit"]]
        return Response(ClusterPageOut({"count": len(found), "results": page}).data)


class ClusterComplaintOut(LinkedComplaintOut):
    amount_lost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class ClusterOut(ClusterRowOut):
    indicator_list = IndicatorLinkedOut(many=True)
    complaint_list = ClusterComplaintOut(many=True)


class ClusterDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_cluster_get", responses={200: ClusterOut, 404: ErrorResponseSerializer}
    )
    def get(self, request, pk: int):
        cluster, items, rows = clusters.cluster_get(actor=request.user, pk=pk)
        cluster.indicator_list = items
        cluster.complaint_list = rows
        return Response(ClusterOut(cluster).data)
