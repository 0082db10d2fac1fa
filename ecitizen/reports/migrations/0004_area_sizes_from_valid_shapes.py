from django.db import migrations


def measure_areas_again(apps, schema_editor):
    """Sizes were the shoelace sum of each ring, so a self-crossing "bow tie" measured 0 and won
    every overlap in routing. Measure every stored shape again as Shapely repairs it."""
    from ecitizen.reports import geo

    Area = apps.get_model("reports", "Area")
    for area in Area.objects.all().only("pk", "geometry", "size").iterator(chunk_size=200):
        size = geo.polygons_area(geo.from_geojson(area.geometry))
        if abs(size - area.size) > 1e-15:
            Area.objects.filter(pk=area.pk).update(size=size)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_description_4000_characters"),
    ]

    operations = [
        migrations.RunPython(measure_areas_again, migrations.RunPython.noop),
    ]
