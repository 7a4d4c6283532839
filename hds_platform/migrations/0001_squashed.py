"""The platform's tables in one step (organisations, users, memberships, invitations, API tokens,
the audit log, the outbox), then row-level security on its tenant tables (PostgreSQL only; see
hds_platform/rls.py).

Squashes the history written while these parts were built side by side (0001 to 0004); a database
that applied those is taken as having applied this one.

The last operation installs ``maillon_apply_tenant_rls(regclass)`` and applies it to the tenant
tables that exist at this point; tables of later models get it from the ``post_migrate`` handler
(hds_platform.rls.install). It also installs the three SECURITY DEFINER lookups that
hds_platform.crossing uses before an organisation is known, and their owner-only
``tenant_lookup`` policies. The SQL is written out here, not imported, so that this migration
keeps doing what it did when it was written.
"""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
import hds_platform.models

APPLY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION maillon_apply_tenant_rls(target regclass) RETURNS boolean
LANGUAGE plpgsql AS $body$
DECLARE
  changed boolean := false;
BEGIN
  IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = target) THEN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    changed := true;
  END IF;
  IF NOT (SELECT relforcerowsecurity FROM pg_class WHERE oid = target) THEN
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    changed := true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = target AND polname = 'tenant_isolation') THEN
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %s AS PERMISSIVE FOR ALL TO PUBLIC '
      'USING (organisation_id = NULLIF(current_setting(%L, true), %L)::bigint) '
      'WITH CHECK (organisation_id = NULLIF(current_setting(%L, true), %L)::bigint)',
      target, 'app.organisation_id', '', 'app.organisation_id', '');
    changed := true;
  END IF;
  RETURN changed;
END
$body$;
"""

TENANT_TABLES = [
    "hds_platform_membership",
    "hds_platform_invitation",
    "hds_platform_apitoken",
    "hds_platform_auditevent",
]

# table, function, argument, key column, lookup key
LOOKUPS = [
    ("hds_platform_apitoken", "maillon_find_api_tokens", "text", "prefix", "api_token"),
    ("hds_platform_invitation", "maillon_find_invitation", "text", "token_digest", "invitation"),
    ("hds_platform_membership", "maillon_memberships_of", "bigint", "user_id", "membership"),
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = qn(cursor.fetchone()[0])
        cursor.execute(APPLY_FUNCTION)
        for table in TENANT_TABLES:
            cursor.execute("SELECT maillon_apply_tenant_rls(%s::regclass)", [f"{schema}.{qn(table)}"])
        for table, function, argument, column, key in LOOKUPS:
            # maillon.lookup is set and cleared in the body: a function's SET
            # clause may not name a custom setting unless a superuser created it.
            cursor.execute(
                f"CREATE FUNCTION {schema}.{function}(p_lookup {argument}) RETURNS SETOF {schema}.{qn(table)} "
                f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$\n"
                f"BEGIN\n"
                f"  PERFORM set_config('maillon.lookup', '{key}', true);\n"
                f"  RETURN QUERY SELECT * FROM {schema}.{qn(table)} WHERE {qn(column)} = p_lookup;\n"
                f"  PERFORM set_config('maillon.lookup', '', true);\n"
                f"END\n"
                f"$body$"
            )
            cursor.execute(f"REVOKE ALL ON FUNCTION {schema}.{function}({argument}) FROM PUBLIC")
            cursor.execute(
                f"CREATE POLICY tenant_lookup ON {schema}.{qn(table)} AS PERMISSIVE FOR SELECT TO CURRENT_USER "
                f"USING (current_setting('maillon.lookup', true) = '{key}')"
            )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, function, argument, _column, _key in LOOKUPS:
            cursor.execute(f"DROP POLICY IF EXISTS tenant_lookup ON {qn(table)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}({argument})")
        for table in TENANT_TABLES:
            cursor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {qn(table)}")
            cursor.execute(f"ALTER TABLE {qn(table)} NO FORCE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {qn(table)} DISABLE ROW LEVEL SECURITY")
        cursor.execute("DROP FUNCTION IF EXISTS maillon_apply_tenant_rls(regclass)")


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ("hds_platform", "0001_initial"),
        ("hds_platform", "0002_apitoken_prefix_per_organisation"),
        ("hds_platform", "0002_outbox"),
        ("hds_platform", "0003_row_level_security"),
        ("hds_platform", "0004_merge_0002_outbox_0003_row_level_security"),
    ]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='nom')),
                ('slug', models.SlugField(max_length=80, unique=True, verbose_name="identifiant d'URL")),
                ('kind', models.CharField(choices=[('health_professional', 'Professionnel de santé'), ('health_establishment', 'Établissement de santé'), ('software_editor', 'Éditeur de logiciel'), ('hosting_provider', 'Hébergeur'), ('other', 'Autre')], max_length=32, verbose_name='type')),
                ('siren', models.CharField(blank=True, max_length=9, validators=[hds_platform.models.validate_siren], verbose_name='SIREN')),
                ('siret', models.CharField(blank=True, max_length=14, validators=[hds_platform.models.validate_siret], verbose_name='SIRET')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                ('audit_head_seq', models.PositiveBigIntegerField(default=0, editable=False)),
                ('audit_head_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', editable=False, max_length=64)),
            ],
            options={
                'verbose_name': 'organisation',
                'verbose_name_plural': 'organisations',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('email', models.EmailField(max_length=254, unique=True, verbose_name='adresse e-mail')),
                ('full_name', models.CharField(blank=True, max_length=200, verbose_name='nom complet')),
                ('language', models.CharField(choices=[('fr', 'Français'), ('en', 'English')], default='fr', max_length=8, verbose_name='langue')),
                ('is_active', models.BooleanField(default=True, verbose_name='actif')),
                ('is_staff', models.BooleanField(default=False, verbose_name='équipe de la plateforme')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='inscrit le')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
            ],
            options={
                'verbose_name': 'utilisateur',
                'verbose_name_plural': 'utilisateurs',
            },
            managers=[
                ('objects', hds_platform.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task_name', models.CharField(max_length=200)),
                ('args', models.JSONField(blank=True, default=list)),
                ('kwargs', models.JSONField(blank=True, default=dict)),
                ('queue', models.CharField(blank=True, max_length=50)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('available_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('dispatched_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
            ],
            options={
                'verbose_name': "message en attente d'envoi",
                'verbose_name_plural': "messages en attente d'envoi",
                'ordering': ['id'],
                'indexes': [models.Index(condition=models.Q(('dispatched_at__isnull', True)), fields=['available_at'], name='outbox_pending_idx')],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('owner', 'Propriétaire'), ('admin', 'Administrateur'), ('editor', 'Éditeur'), ('viewer', 'Lecteur'), ('auditor', 'Auditeur')], max_length=16, verbose_name='rôle')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation')),
            ],
            options={
                'verbose_name': 'membre',
                'verbose_name_plural': 'membres',
                'ordering': ['id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
                'constraints': [models.UniqueConstraint(fields=('organisation', 'user'), name='membership_unique_user')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, verbose_name='adresse e-mail')),
                ('role', models.CharField(choices=[('owner', 'Propriétaire'), ('admin', 'Administrateur'), ('editor', 'Éditeur'), ('viewer', 'Lecteur'), ('auditor', 'Auditeur')], max_length=16, verbose_name='rôle')),
                ('token_digest', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation')),
            ],
            options={
                'verbose_name': 'invitation',
                'ordering': ['-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
                'indexes': [models.Index(fields=['token_digest'], name='hds_platfor_token_d_72f670_idx')],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'token_digest'), name='invitation_unique_digest')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('actor_label', models.CharField(blank=True, max_length=200)),
                ('action', models.CharField(max_length=80)),
                ('target_type', models.CharField(blank=True, max_length=80)),
                ('target_id', models.CharField(blank=True, max_length=64)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation')),
            ],
            options={
                'verbose_name': "événement d'audit",
                'verbose_name_plural': "journal d'audit",
                'ordering': ['-seq'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
                'constraints': [models.UniqueConstraint(fields=('organisation', 'seq'), name='auditevent_unique_seq')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='nom')),
                ('prefix', models.CharField(max_length=12)),
                ('digest', models.CharField(max_length=64)),
                ('scope', models.CharField(choices=[('read', 'Lecture'), ('read-write', 'Lecture et écriture')], max_length=16, verbose_name='portée')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expire le')),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation')),
            ],
            options={
                'verbose_name': "jeton d'API",
                'verbose_name_plural': "jetons d'API",
                'ordering': ['-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
                'indexes': [models.Index(fields=['prefix'], name='apitoken_prefix_idx')],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'name'), name='apitoken_unique_name'), models.UniqueConstraint(fields=('organisation', 'prefix'), name='apitoken_unique_prefix')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
