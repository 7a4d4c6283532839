"""The compliance app's tables in one step: suppliers, certificates, the processing register,
hosting chains, evidence, conformity results, alerts, digest preferences and webhooks.

Squashes the history written while these parts were built side by side (0001 to 0101); a database
that applied those is taken as having applied this one. Row-level security on these tenant tables
comes from hds_platform's post_migrate handler (hds_platform/rls.py).
"""

from django.conf import settings
from django.db import migrations, models
import compliance.models.conformity
import compliance.models.validators
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
import hds_platform.fields
import hds_platform.models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ("compliance", "0001_initial"),
        ("compliance", "0002_conformity_json_placeholders"),
        ("compliance", "0100_alerts_webhooks"),
        ("compliance", "0101_merge_20261129_0002"),
    ]

    dependencies = [
        ("hds_platform", "0001_squashed"),
        ("registry", "0002_change_kinds_and_importer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('certificate_expiring', 'Certificat bientôt expiré'), ('certificate_expired', 'Certificat expiré'), ('evidence_expiring', 'Pièce bientôt expirée'), ('evidence_expired', 'Pièce expirée'), ('conformity_changed', 'Statut de conformité modifié'), ('registry_host_changed', 'Hébergeur modifié dans la liste ANS')], max_length=32, verbose_name='type')),
                ('severity', models.CharField(choices=[('error', 'Erreur'), ('warning', 'Avertissement'), ('info', 'Information')], max_length=16, verbose_name='gravité')),
                ('status', models.CharField(choices=[('open', 'Ouverte'), ('acknowledged', 'Prise en compte'), ('resolved', 'Résolue')], default='open', max_length=16, verbose_name='état')),
                ('dedupe_key', models.CharField(help_text='What makes this alert unique in the organisation.', max_length=200)),
                ('threshold', models.PositiveSmallIntegerField(blank=True, help_text='Expiry alerts: 90, 60, 30, 7, or 0 when expired.', null=True, verbose_name='seuil (jours)')),
                ('due_on', models.DateField(blank=True, help_text='Expiry alerts: the end-of-validity date the alert is about.', null=True, verbose_name='échéance')),
                ('data', models.JSONField(blank=True, default=dict, help_text='What the alert is about, kept even if the object is deleted.', verbose_name='données')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='créée le')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='prise en compte le')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='résolue le')),
                ('resolution', models.CharField(blank=True, choices=[('', '—'), ('manual', 'Résolue par un membre'), ('renewed', 'Date de fin modifiée'), ('superseded', "Remplacée par une alerte plus proche de l'échéance"), ('gone', 'Objet supprimé ou remplacé')], max_length=16, verbose_name='résolution')),
            ],
            options={
                'verbose_name': 'alerte',
                'verbose_name_plural': 'alertes',
                'ordering': ['-created_at', '-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Certificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('hds', 'HDS'), ('iso27001', 'ISO 27001')], default='hds', max_length=16, verbose_name='type')),
                ('activities', hds_platform.fields.ActivitySetField(blank=True, help_text='HDS activities 1 to 6 the certificate covers.', verbose_name='activités')),
                ('certificate_number', models.CharField(blank=True, max_length=100, verbose_name='numéro')),
                ('certifier', models.CharField(blank=True, max_length=200, verbose_name='organisme certificateur')),
                ('referential_version', models.CharField(blank=True, help_text='"v1", "v2" or the text published.', max_length=50, verbose_name='référentiel')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='délivré le')),
                ('expires_on', models.DateField(verbose_name="valable jusqu'au")),
                ('status', models.CharField(choices=[('valid', 'Valide'), ('suspended', 'Suspendu'), ('withdrawn', 'Retiré')], default='valid', max_length=16, verbose_name='état')),
                ('source', models.CharField(choices=[('registry', 'Liste ANS'), ('document', 'Document'), ('manual', 'Saisie manuelle')], default='manual', max_length=16, verbose_name='source')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'certificat',
                'verbose_name_plural': 'certificats',
                'ordering': ['expires_on', 'id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='ChainLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('activities', hds_platform.fields.ActivitySetField(blank=True, verbose_name='activités')),
                ('stores_health_data', models.BooleanField(default=True, verbose_name='stocke des données de santé')),
                ('storage_countries', models.JSONField(blank=True, default=list, validators=[compliance.models.validators.validate_country_list], verbose_name='pays de stockage')),
                ('remote_access', models.JSONField(blank=True, default=list, help_text='[{"country": "US", "basis": "safeguards"}]', validators=[compliance.models.validators.validate_remote_access], verbose_name='accès à distance')),
                ('exempt_under_parent', models.BooleanField(default=False, help_text="Covered by the parent host's certification audit (needs evidence).", verbose_name='exempté sous le parent')),
                ('is_backup', models.BooleanField(default=False, verbose_name='sauvegarde externalisée')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'maillon',
                'verbose_name_plural': 'maillons',
                'ordering': ['processing_id', 'id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='ConformityResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('not_applicable', 'Non concerné'), ('compliant', 'Conforme'), ('non_compliant', 'Non conforme'), ('incomplete', 'Incomplet')], max_length=16, verbose_name='statut')),
                ('findings', compliance.models.conformity.RowPlaceholderJSONField(default=list, verbose_name='constats')),
                ('evaluated_at', models.DateTimeField(verbose_name='évalué le')),
                ('evaluated_on', models.DateField(help_text='The date the rules were applied to.', verbose_name="date d'évaluation")),
                ('inputs_digest', models.CharField(help_text="sha256 of the engine's inputs.", max_length=64)),
            ],
            options={
                'verbose_name': 'résultat de conformité',
                'verbose_name_plural': 'résultats de conformité',
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='ConformityStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, choices=[('not_applicable', 'Non concerné'), ('compliant', 'Conforme'), ('non_compliant', 'Non conforme'), ('incomplete', 'Incomplet')], help_text='Empty for the first evaluation.', max_length=16, verbose_name='ancien statut')),
                ('to_status', models.CharField(choices=[('not_applicable', 'Non concerné'), ('compliant', 'Conforme'), ('non_compliant', 'Non conforme'), ('incomplete', 'Incomplet')], max_length=16, verbose_name='nouveau statut')),
                ('changed_at', models.DateTimeField(verbose_name='le')),
                ('appeared', compliance.models.conformity.RowPlaceholderJSONField(default=list, verbose_name='constats apparus')),
                ('disappeared', compliance.models.conformity.RowPlaceholderJSONField(default=list, verbose_name='constats disparus')),
            ],
            options={
                'verbose_name': 'changement de statut',
                'verbose_name_plural': 'historique des statuts',
                'ordering': ['-changed_at', '-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Evidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('hds_certificate', 'Certificat HDS'), ('iso27001_certificate', 'Certificat ISO 27001'), ('hosting_contract', "Contrat d'hébergement"), ('dpa', 'Accord de sous-traitance (art. 28)'), ('audit_report', "Rapport d'audit"), ('backup_test', 'Test de restauration'), ('dpia', 'AIPD'), ('transparency_page', 'Page de transparence'), ('other', 'Autre')], max_length=32, verbose_name='type')),
                ('title', models.CharField(max_length=200, verbose_name='titre')),
                ('file', models.FileField(max_length=300, upload_to='', verbose_name='fichier')),
                ('original_name', models.CharField(max_length=255, verbose_name='nom du fichier envoyé')),
                ('sha256', models.CharField(max_length=64)),
                ('size', models.PositiveBigIntegerField(verbose_name='taille (octets)')),
                ('content_type', models.CharField(help_text='Detected from the content, not the name.', max_length=100, verbose_name='type de contenu')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='émis le')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name="valable jusqu'au")),
                ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='déposé le')),
            ],
            options={
                'verbose_name': 'pièce justificative',
                'verbose_name_plural': 'pièces justificatives',
                'ordering': ['-uploaded_at', '-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(blank=True, choices=[('', 'Selon le rôle'), ('daily', 'Quotidien'), ('weekly', 'Hebdomadaire'), ('never', 'Jamais')], default='', help_text='Empty: daily for owners, admins and editors, weekly otherwise.', max_length=16, verbose_name='résumé par e-mail')),
                ('kinds', models.JSONField(blank=True, default=list, help_text='Alert kinds to include; empty: all.', verbose_name="types d'alertes")),
                ('last_digest_at', models.DateTimeField(blank=True, null=True, verbose_name='dernier résumé')),
            ],
            options={
                'verbose_name': 'préférence de notification',
                'verbose_name_plural': 'préférences de notification',
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Processing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='nom')),
                ('purposes', models.JSONField(blank=True, default=list, validators=[compliance.models.validators.validate_text_list], verbose_name='finalités')),
                ('legal_basis', models.CharField(blank=True, max_length=300, verbose_name='base légale (art. 6)')),
                ('art9_condition', models.CharField(blank=True, max_length=300, verbose_name="condition de l'art. 9(2)")),
                ('data_subject_categories', models.JSONField(blank=True, default=list, validators=[compliance.models.validators.validate_text_list], verbose_name='catégories de personnes')),
                ('data_categories', models.JSONField(blank=True, default=list, validators=[compliance.models.validators.validate_text_list], verbose_name='catégories de données')),
                ('recipients', models.JSONField(blank=True, default=list, validators=[compliance.models.validators.validate_text_list], verbose_name='destinataires')),
                ('transfers', models.JSONField(blank=True, default=list, help_text='[{"country": "US", "safeguard": "CCT 2021/914"}]', validators=[compliance.models.validators.validate_transfers], verbose_name='transferts hors UE')),
                ('retention', models.TextField(blank=True, verbose_name='durée de conservation')),
                ('security_measures', models.TextField(blank=True, verbose_name='mesures de sécurité')),
                ('controller_contact', models.TextField(blank=True, verbose_name='responsable de traitement et contact')),
                ('dpo_contact', models.TextField(blank=True, verbose_name='contact du DPO')),
                ('dpia_required', models.BooleanField(blank=True, help_text='Null: not assessed yet.', null=True, verbose_name='AIPD requise')),
                ('dpia_done', models.BooleanField(default=False, verbose_name='AIPD réalisée')),
                ('role', models.CharField(choices=[('controller', 'Responsable de traitement'), ('processor', 'Sous-traitant')], default='controller', max_length=16, verbose_name='rôle')),
                ('controllers_served', models.JSONField(blank=True, default=list, help_text='Processor role: each controller served (art. 30(2)(a)).', validators=[compliance.models.validators.validate_text_list], verbose_name='responsables servis')),
                ('health_data', models.BooleanField(default=True, verbose_name='données de santé')),
                ('identifiability', models.CharField(choices=[('identified', 'Identifiantes'), ('pseudonymised', 'Pseudonymisées'), ('anonymised', 'Anonymisées')], default='identified', max_length=16, verbose_name='identification')),
                ('hosting_mode', models.CharField(blank=True, choices=[('', 'Non renseigné'), ('self_hosted', 'Auto-hébergé'), ('outsourced', 'Externalisé')], help_text='Empty: not recorded.', max_length=16, verbose_name="mode d'hébergement")),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'traitement',
                'verbose_name_plural': 'traitements',
                'ordering': ['name', 'id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Supplier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='Legal name.', max_length=200, verbose_name='raison sociale')),
                ('siren', models.CharField(blank=True, help_text='9 digits, Luhn key; empty for a foreign company.', max_length=9, validators=[hds_platform.models.validate_siren], verbose_name='SIREN')),
                ('siret', models.CharField(blank=True, help_text='14 digits of the establishment, starting with the SIREN.', max_length=14, validators=[hds_platform.models.validate_siret], verbose_name='SIRET')),
                ('vat_number', models.CharField(blank=True, help_text='EU VAT number (FR + key + SIREN for a French company).', max_length=20, validators=[compliance.models.validators.validate_vat_number], verbose_name='numéro de TVA')),
                ('country', models.CharField(default='FR', help_text='Seat of the company, ISO 3166-1 alpha-2.', max_length=2, validators=[compliance.models.validators.validate_country], verbose_name='pays')),
                ('registry_match_status', models.CharField(choices=[('none', 'Aucune correspondance'), ('suggested', 'Suggérée'), ('confirmed', 'Confirmée'), ('rejected', 'Rejetée')], default='none', max_length=16, verbose_name='correspondance avec la liste ANS')),
                ('registry_match_score', models.PositiveSmallIntegerField(blank=True, help_text='0 to 100.', null=True, verbose_name='score')),
                ('registry_match_method', models.CharField(blank=True, choices=[('', '—'), ('certificate_number', 'Numéro de certificat'), ('siren', 'SIREN'), ('name_exact', 'Nom identique'), ('name_fuzzy', 'Nom approchant'), ('manual', "Choix d'un membre")], max_length=32, verbose_name='méthode')),
                ('registry_rejected_hosts', models.JSONField(blank=True, default=list, help_text='Ids of registry hosts a member rejected: never suggested again.', verbose_name='hôtes écartés')),
                ('subject_to_non_eu_law', models.BooleanField(default=False, help_text='The supplier or its parent is exposed to a non-EU law (HDS v2 EXI 30).', verbose_name='soumis à un droit extra-européen')),
                ('non_eu_laws', models.JSONField(blank=True, default=list, help_text='e.g. ["US CLOUD Act", "FISA 702"].', validators=[compliance.models.validators.validate_text_list], verbose_name='lois concernées')),
                ('non_eu_law_mitigations', models.TextField(blank=True, help_text='Mitigations and residual risk, as documented in the contract.', verbose_name='mesures et risque résiduel')),
                ('transparency_url', models.URLField(blank=True, help_text='Public page mapping transfers outside the EEA (EXI 31).', max_length=500, verbose_name='page de transparence')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'fournisseur',
                'verbose_name_plural': 'fournisseurs',
                'ordering': ['name', 'id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.CharField(max_length=64, verbose_name='événement')),
                ('event_id', models.UUIDField(help_text='Identifies the event; the same across retries.')),
                ('payload', models.JSONField()),
                ('status', models.CharField(choices=[('pending', 'En attente'), ('delivering', "En cours d'envoi"), ('succeeded', 'Délivré'), ('failed', 'Échec, nouvel essai prévu'), ('dead', 'Abandonné')], default='pending', max_length=16, verbose_name='état')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='tentatives')),
                ('next_attempt_at', models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name='prochain essai')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('last_response_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='dernier code HTTP')),
                ('last_error', models.TextField(blank=True, verbose_name='dernière erreur')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='délivré le')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='créé le')),
            ],
            options={
                'verbose_name': 'envoi de webhook',
                'verbose_name_plural': 'envois de webhooks',
                'ordering': ['-created_at', '-id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=500, verbose_name='adresse')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                ('events', models.JSONField(default=list, help_text='Event types sent to this endpoint.', verbose_name='événements')),
                ('secret', models.CharField(editable=False, max_length=100)),
                ('is_active', models.BooleanField(default=True, verbose_name='actif')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'webhook',
                'verbose_name_plural': 'webhooks',
                'ordering': ['id'],
                'abstract': False,
                'base_manager_name': 'all_organisations',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_organisations', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name='alert',
            name='acknowledged_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='prise en compte par'),
        ),
        migrations.AddField(
            model_name='alert',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='alert',
            name='resolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='résolue par'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='registry_certificate',
            field=models.ForeignKey(blank=True, help_text='The published certificate this row was copied from (source registry).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registry.hostcertificate'),
        ),
        migrations.AddField(
            model_name='alert',
            name='certificate',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.certificate', verbose_name='certificat'),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='parent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='children', to='compliance.chainlink', verbose_name='maillon parent'),
        ),
        migrations.AddField(
            model_name='conformityresult',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='conformitystatuschange',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='certificate',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='documents', to='compliance.certificate', verbose_name='certificat'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='superseded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supersedes', to='compliance.evidence', verbose_name='remplacé par'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='uploaded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='déposé par'),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='exemption_evidence',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.evidence', verbose_name="preuve de l'exemption"),
        ),
        migrations.AddField(
            model_name='certificate',
            name='evidence',
            field=models.ForeignKey(blank=True, help_text='The certificate itself, on file.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.evidence', verbose_name='document'),
        ),
        migrations.AddField(
            model_name='alert',
            name='evidence',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.evidence', verbose_name='pièce justificative'),
        ),
        migrations.AddField(
            model_name='notificationpreference',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='notificationpreference',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='processing',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='processing',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='compliance.processing', verbose_name='traitement'),
        ),
        migrations.AddField(
            model_name='conformitystatuschange',
            name='processing',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='compliance.processing', verbose_name='traitement'),
        ),
        migrations.AddField(
            model_name='conformityresult',
            name='processing',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='compliance.processing', verbose_name='traitement'),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='processing',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='compliance.processing', verbose_name='traitement'),
        ),
        migrations.AddField(
            model_name='alert',
            name='processing',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.processing', verbose_name='traitement'),
        ),
        migrations.AddField(
            model_name='supplier',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='supplier',
            name='registry_host',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registry.certifiedhost', verbose_name='hébergeur de la liste ANS'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='supplier',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='compliance.supplier', verbose_name='fournisseur'),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='supplier',
            field=models.ForeignKey(blank=True, help_text='Null: the organisation itself.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='links', to='compliance.supplier', verbose_name='acteur'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='supplier',
            field=models.ForeignKey(blank=True, help_text="Null: the organisation's own certificate.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to='compliance.supplier', verbose_name='fournisseur'),
        ),
        migrations.AddField(
            model_name='alert',
            name='supplier',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='compliance.supplier', verbose_name='fournisseur'),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='webhookendpoint',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='webhookendpoint',
            name='organisation',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hds_platform.organisation'),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='endpoint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='compliance.webhookendpoint'),
        ),
        migrations.AddConstraint(
            model_name='notificationpreference',
            constraint=models.UniqueConstraint(fields=('organisation', 'user'), name='notificationpreference_unique_user'),
        ),
        migrations.AddConstraint(
            model_name='processing',
            constraint=models.UniqueConstraint(fields=('organisation', 'name'), name='processing_unique_name', violation_error_code='duplicate_name', violation_error_message='Un traitement porte déjà ce nom.'),
        ),
        migrations.AddIndex(
            model_name='conformitystatuschange',
            index=models.Index(fields=['organisation', 'processing', '-changed_at'], name='conformity_history'),
        ),
        migrations.AddIndex(
            model_name='conformityresult',
            index=models.Index(fields=['organisation', 'status'], name='conformity_status'),
        ),
        migrations.AddConstraint(
            model_name='conformityresult',
            constraint=models.UniqueConstraint(fields=('organisation', 'processing'), name='conformity_one_per_processing'),
        ),
        migrations.AddIndex(
            model_name='supplier',
            index=models.Index(fields=['organisation', 'registry_host'], name='supplier_registry_host'),
        ),
        migrations.AddConstraint(
            model_name='supplier',
            constraint=models.UniqueConstraint(fields=('organisation', 'name'), name='supplier_unique_name', violation_error_code='duplicate_name', violation_error_message='Un fournisseur porte déjà ce nom.'),
        ),
        migrations.AddConstraint(
            model_name='supplier',
            constraint=models.UniqueConstraint(condition=models.Q(('siren', ''), _negated=True), fields=('organisation', 'siren'), name='supplier_unique_siren', violation_error_code='duplicate_siren', violation_error_message='Un fournisseur a déjà ce SIREN.'),
        ),
        migrations.AddIndex(
            model_name='evidence',
            index=models.Index(fields=['organisation', 'supplier', 'kind'], name='evidence_supplier_kind'),
        ),
        migrations.AddIndex(
            model_name='evidence',
            index=models.Index(fields=['organisation', 'valid_until'], name='evidence_valid_until'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_by__isnull', False)), fields=('organisation', 'superseded_by'), name='evidence_superseded_once'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.UniqueConstraint(fields=('organisation', 'file'), name='evidence_unique_file'),
        ),
        migrations.AddIndex(
            model_name='chainlink',
            index=models.Index(fields=['organisation', 'processing'], name='chainlink_processing'),
        ),
        migrations.AddIndex(
            model_name='certificate',
            index=models.Index(fields=['organisation', 'expires_on'], name='certificate_expiry'),
        ),
        migrations.AddConstraint(
            model_name='certificate',
            constraint=models.UniqueConstraint(condition=models.Q(('supplier__isnull', False), models.Q(('certificate_number', ''), _negated=True)), fields=('organisation', 'supplier', 'kind', 'certificate_number'), name='certificate_unique_supplier_number', violation_error_code='duplicate_certificate', violation_error_message='Ce certificat est déjà enregistré pour ce fournisseur.'),
        ),
        migrations.AddConstraint(
            model_name='certificate',
            constraint=models.UniqueConstraint(condition=models.Q(('supplier__isnull', True), models.Q(('certificate_number', ''), _negated=True)), fields=('organisation', 'kind', 'certificate_number'), name='certificate_unique_own_number', violation_error_code='duplicate_certificate', violation_error_message='Ce certificat est déjà enregistré.'),
        ),
        migrations.AddConstraint(
            model_name='certificate',
            constraint=models.UniqueConstraint(condition=models.Q(('registry_certificate__isnull', False)), fields=('organisation', 'supplier', 'registry_certificate'), name='certificate_unique_registry_copy', violation_error_code='duplicate_certificate'),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['organisation', 'status', '-created_at'], name='alert_status_created'),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['organisation', 'kind', '-created_at'], name='alert_kind_created'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(fields=('organisation', 'dedupe_key'), name='alert_unique_dedupe_key'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(fields=['organisation', 'endpoint', '-created_at'], name='webhookdelivery_log'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'failed'])), fields=['next_attempt_at'], name='webhookdelivery_due'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('status', 'delivering')), fields=['claimed_at'], name='webhookdelivery_claimed'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('organisation', 'endpoint', 'event_id'), name='webhookdelivery_unique_event'),
        ),
    ]
